package dev.preflight.trainer.messaging;

import dev.preflight.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * A daemon thread that polls one subscribed or assigned consumer every 100 ms until stopped and hands each record to
 * a handler; a record the handler cannot decode ({@link WireFormatException}) is dead-lettered and reading goes on.
 * For the trainer's listeners that every replica runs on its own (control commands, the eval-service's signals).
 */
final class ReaderThread {

    private static final Logger LOG = Logger.getLogger(ReaderThread.class);

    /** Processes one record; throws {@link WireFormatException} for a malformed one. */
    interface Handler {
        void handle(ConsumerRecord<byte[], byte[]> record);
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param consumer     subscribed or assigned already; closed when the thread ends
     * @param ifItStops    what is lost if the thread dies of an unexpected error, for the log
     */
    ReaderThread(String name, KafkaConsumer<byte[], byte[]> consumer, Handler handler, TrainerProducer producer, String ifItStops) {
        this.consumer = consumer;
        this.thread = new Thread(() -> loop(handler, producer, ifItStops), name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Wakes the consumer and waits up to 5 s for the thread to end. */
    void stop() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }

    private void loop(Handler handler, TrainerProducer producer, String ifItStops) {
        try (KafkaConsumer<byte[], byte[]> c = consumer) {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(100))) {
                    try {
                        handler.handle(record);
                    } catch (WireFormatException e) {
                        DeadLetters.send(producer, record, e);
                    }
                }
            }
        } catch (WakeupException e) {
            // shutdown
        } catch (RuntimeException e) {
            LOG.error(thread.getName() + " stopped: " + ifItStops, e);
        }
    }
}
