package dev.preflight.cli.command;

import dev.preflight.wire.Augmentation;
import dev.preflight.wire.DataConfig;
import dev.preflight.wire.WireEnum;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/** How the train stream is drawn from init-check on: class balancing and train-only augmentation. */
public class TrainingOptions {

    @Option(names = "--balance", description = "Class balancing of the train stream: none, weights (inverse-frequency loss weights) "
            + "or sampling (classes drawn uniformly) (default: none). The overfit stages never balance.")
    String balance;

    @Option(names = "--augment", split = ",", description = "Train-only augmentation of the full-data, speed and ablation runs "
            + "(never val, never the overfit stages), e.g. hflip,rotation=15,translate=2,noise=0.05; also vflip, brightness=B, contrast=C.")
    List<String> augment;

    /**
     * @return the balancing mode, or null when not set
     * @throws IllegalArgumentException naming an unknown mode
     */
    String balance() {
        // Parsed for the message; the wire keeps the lowercase name.
        WireEnum.parse(DataConfig.Balance.class, "--balance", balance);
        return balance;
    }

    /**
     * @return the augmentation, or null when not set
     * @throws IllegalArgumentException naming an unknown or malformed item
     */
    Augmentation augmentation() {
        if (augment == null || augment.isEmpty()) {
            return null;
        }
        Boolean hflip = null;
        Boolean vflip = null;
        Double rotation = null;
        Integer translate = null;
        Double noise = null;
        Double brightness = null;
        Double contrast = null;
        for (String item : augment) {
            String[] kv = item.trim().split("=", 2);
            String key = kv[0].toLowerCase(Locale.ROOT);
            try {
                switch (key) {
                    case "hflip" -> hflip = flag(kv, item);
                    case "vflip" -> vflip = flag(kv, item);
                    case "rotation" -> rotation = Double.parseDouble(value(kv, item));
                    case "translate" -> translate = Integer.parseInt(value(kv, item));
                    case "noise" -> noise = Double.parseDouble(value(kv, item));
                    case "brightness" -> brightness = Double.parseDouble(value(kv, item));
                    case "contrast" -> contrast = Double.parseDouble(value(kv, item));
                    default -> throw new IllegalArgumentException("--augment: unknown item '" + item
                            + "', expected hflip, vflip, rotation=DEG, translate=PX, noise=STD, brightness=B, contrast=C");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--augment: '" + item + "' needs a number after '='");
            }
        }
        return new Augmentation(hflip, vflip, rotation, translate, noise, brightness, contrast);
    }

    private static Boolean flag(String[] kv, String item) {
        if (kv.length == 1) {
            return true;
        }
        if (kv[1].equalsIgnoreCase("true") || kv[1].equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(kv[1]);
        }
        throw new IllegalArgumentException("--augment: '" + item + "' must be a bare flag or =true/=false");
    }

    private static String value(String[] kv, String item) {
        if (kv.length < 2 || kv[1].isBlank()) {
            throw new IllegalArgumentException("--augment: '" + item + "' needs a value, e.g. " + kv[0] + "=2");
        }
        return kv[1].trim();
    }
}
