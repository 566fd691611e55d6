package dev.preflight.deploy;

import dev.preflight.cli.stack.LocalStack;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one local stack (in-process Kafka, data-service, two trainers, eval-service, gateway) that the CI-only end-to-end
 * checks share: started by the first class that asks, closed when the test JVM exits (LocalStack's shutdown hook).
 * Starting and stopping a stack costs about 40 s on 2 cores, and the checks only submit runs and read what they
 * produced (each its own run ids), so one is enough; a check that stops or kills services must start its own.
 *
 * <p>Its data root holds copies of ../shared/datasets' mnist-t10k and penguins and a small generated {@code pets}
 * image folder, as a user's would (the README's examples register them by path).
 */
final class E2EStack {

    /** Trainer replicas: two, as {@code ./preflight up} starts by default (the README's examples assume it). */
    static final int TRAINERS = 2;

    private static LocalStack stack;

    private E2EStack() {
    }

    /** Where the shared stack keeps its logs, TensorBoard files and exports ({@code <dir>/stack}) and its data. */
    static Path dir() {
        return Repo.HOME.resolve("deploy-checks/target/e2e-stack").toAbsolutePath();
    }

    static synchronized LocalStack get() {
        if (stack == null) {
            try {
                Path dir = dir();
                deleteTree(dir);
                Path data = Files.createDirectories(dir.resolve("data"));
                Path shared = Repo.HOME.resolve("../shared/datasets").normalize();
                copyTree(shared.resolve("mnist-t10k"), data.resolve("mnist-t10k"));
                copyTree(shared.resolve("penguins"), data.resolve("penguins"));
                pets(data.resolve("pets"));
                stack = LocalStack.start(Repo.HOME, dir.resolve("stack"), TRAINERS, data, System.out::println);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return stack;
    }

    /** A small image folder of the usual layout: one folder per class, JPEGs of two colours. */
    private static void pets(Path dir) throws IOException {
        for (String pet : List.of("cat", "dog")) {
            Files.createDirectories(dir.resolve(pet));
            for (int i = 0; i < 12; i++) {
                BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 30; y++) {
                    for (int x = 0; x < 40; x++) {
                        int v = (x * 7 + y * 3 + i * 11) % 64;
                        img.setRGB(x, y, pet.equals("cat") ? (180 + v) << 16 | 90 << 8 | v : v << 16 | 120 << 8 | (170 + v));
                    }
                }
                ImageIO.write(img, "jpg", dir.resolve(pet).resolve(String.format("IMG_%04d.JPG", i)).toFile());
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
