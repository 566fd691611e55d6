package dev.preflight.wire;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Train-time augmentations, each off unless set. Applied only to train batches (the data-service's val path has no
 * way to receive one); seeded by (data seed, position in the stream), so a batch is the same bytes whenever it is
 * rebuilt. Amounts are in the [0, 1] pixel scale for uint8 images (1 = 255 levels) and in data units for float32.
 *
 * @param hflip           mirror left-right with probability 1/2
 * @param vflip           mirror top-bottom with probability 1/2
 * @param rotationDegrees rotate by an angle uniform in [-d, d] about the centre, in [0, 180]
 * @param translatePixels shift by whole pixels uniform in [-t, t] along each axis (zero fill), in [0, 64]
 * @param noiseStd        add Gaussian noise of this standard deviation, in [0, 1]
 * @param brightness      add an offset uniform in [-b, b], in [0, 1]
 * @param contrast        scale about the sample mean by a factor uniform in [1 - c, 1 + c], in [0, 1]
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Augmentation(Boolean hflip, Boolean vflip, Double rotationDegrees, Integer translatePixels,
                           Double noiseStd, Double brightness, Double contrast) {

    void validate(String prefix, List<String> problems) {
        range(prefix + "rotationDegrees", rotationDegrees, 180, problems);
        if (translatePixels != null && (translatePixels < 0 || translatePixels > 64)) {
            problems.add(prefix + "translatePixels must be in [0, 64], was " + translatePixels);
        }
        range(prefix + "noiseStd", noiseStd, 1, problems);
        range(prefix + "brightness", brightness, 1, problems);
        range(prefix + "contrast", contrast, 1, problems);
    }

    private static void range(String field, Double value, double max, List<String> problems) {
        if (value != null && !(value >= 0 && value <= max)) {
            problems.add(field + " must be in [0, " + (max == (long) max ? String.valueOf((long) max) : String.valueOf(max)) + "], was " + value);
        }
    }

    public boolean hflipOn() {
        return Boolean.TRUE.equals(hflip);
    }

    public boolean vflipOn() {
        return Boolean.TRUE.equals(vflip);
    }

    public double rotation() {
        return rotationDegrees == null ? 0 : rotationDegrees;
    }

    public int translation() {
        return translatePixels == null ? 0 : translatePixels;
    }

    public double noise() {
        return noiseStd == null ? 0 : noiseStd;
    }

    public double brightnessAmount() {
        return brightness == null ? 0 : brightness;
    }

    public double contrastAmount() {
        return contrast == null ? 0 : contrast;
    }

    /** Moves pixels (and masks with them): meaningless for samples that are not images. */
    public boolean geometric() {
        return hflipOn() || vflipOn() || rotation() > 0 || translation() > 0;
    }

    /** Whether any augmentation is switched on. */
    public boolean any() {
        return geometric() || noise() > 0 || brightnessAmount() > 0 || contrastAmount() > 0;
    }
}
