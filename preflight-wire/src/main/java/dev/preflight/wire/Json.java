package dev.preflight.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * JSON codec for every message record. Strict on purpose: an unknown field is an error, because a misspelt setting
 * ("learningrate") silently ignored is exactly the kind of silent failure Preflight exists to catch.
 */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Optional fields left unset are left out: compact messages, and a spec that does not use a newer
            // option still reads on a service that does not know it.
            .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            .build();

    private Json() {
    }

    public static byte[] encode(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public static <T> T decode(byte[] bytes, Class<T> type) {
        if (bytes == null || bytes.length == 0) {
            throw new WireFormatException("empty " + type.getSimpleName() + " message");
        }
        try {
            T value = MAPPER.readValue(bytes, type);
            if (value == null) {
                throw new WireFormatException("null " + type.getSimpleName() + " message");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new WireFormatException("unknown field '" + e.getPropertyName() + "' in " + type.getSimpleName(), e);
        } catch (JsonProcessingException e) {
            throw new WireFormatException("malformed " + type.getSimpleName() + " JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new WireFormatException("unreadable " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static <T> T decode(String text, Class<T> type) {
        return decode(text == null ? null : text.getBytes(java.nio.charset.StandardCharsets.UTF_8), type);
    }
}
