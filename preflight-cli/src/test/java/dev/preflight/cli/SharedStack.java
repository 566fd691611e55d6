package dev.preflight.cli;

import dev.preflight.cli.stack.LocalStack;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.nio.file.Path;

/**
 * One {@link LocalStack} (an in-JVM broker and the four packaged services, two trainer replicas) for every test class
 * of this module that only submits runs and registers datasets: a {@code LocalStack} parameter of a {@code @BeforeAll}
 * or test method of a class extended with this resolves to it. Starting and stopping a stack costs about 35 s on two
 * cores (four Quarkus JVMs start; each stops in 10-15 s, its Kafka consumers closed one after another), once per test
 * JVM instead of once per class. It is started on first use and closed when JUnit has run every class (it lives in the
 * root context's store, which closes what it holds).
 *
 * <p>Classes that kill, freeze or restart a service or the broker (TrainerFaultDrillTest, DataServiceReplicasTest,
 * UpTest) start their own. Classes sharing this one must not disturb each other's assertions: each awaits the runs it
 * submits (so both trainers are idle when a class starts), and datasets registered here take names no other class uses.
 */
final class SharedStack implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedStack.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalStack.class;
    }

    @Override
    public LocalStack resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(LocalStack.class, k -> LocalStack.start(
                Path.of(System.getProperty("preflight.home", "..")), Path.of("target/shared-stack"), 2, System.out::println),
                LocalStack.class);
    }
}
