package dev.preflight.wire;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A closed set of names that travel as lowercase strings ({@code "segnet"}, {@code "log-prior"}): an enum constant's
 * wire name is its Java name in lower case with {@code _} as {@code -}.
 *
 * <p>Why the records keep strings on the wire and in their components: a run spec with an unknown value must still
 * parse, so that validation can report every problem at once with the field it belongs to, instead of the JSON decoder
 * stopping at the first. The enums are the typed view of a validated config ({@code ModelConfig.modelType()}, ...)
 * and what code that builds a config passes in.
 */
public interface WireEnum {

    /** The name in JSON messages, on the command line and in error messages. */
    @JsonValue
    default String wireName() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The wire names of an enum, in declaration order: what validation messages list as allowed. */
    static <E extends Enum<E> & WireEnum> Set<String> names(Class<E> type) {
        Set<String> names = new LinkedHashSet<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.wireName());
        }
        return Collections.unmodifiableSet(names);
    }

    /**
     * The constant named {@code value}; null for null (an unset optional field).
     *
     * @throws IllegalArgumentException {@code <field> '<value>' is unknown, expected one of [...]}, the wording of
     *                                  the records' validation messages
     */
    static <E extends Enum<E> & WireEnum> E parse(Class<E> type, String field, String value) {
        if (value == null) {
            return null;
        }
        for (E e : type.getEnumConstants()) {
            if (e.wireName().equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException(field + " '" + value + "' is unknown, expected one of " + names(type));
    }

    /** The wire name, null for null: for building records whose components are the wire strings. */
    static String nameOf(WireEnum e) {
        return e == null ? null : e.wireName();
    }
}
