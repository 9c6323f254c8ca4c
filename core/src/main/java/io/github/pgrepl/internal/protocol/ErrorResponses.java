package io.github.pgrepl.internal.protocol;

import io.github.pgrepl.PgException;
import io.netty.buffer.ByteBuf;

import java.util.HashMap;
import java.util.Map;

/** Reads ErrorResponse and NoticeResponse bodies: one-letter field codes, each with a string. */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    public static Map<Character, String> fields(ByteBuf body) {
        Map<Character, String> fields = new HashMap<>();
        while (body.isReadable()) {
            byte code = body.readByte();
            if (code == 0) {
                break;
            }
            fields.put((char) code, FrontendMessages.readCString(body));
        }
        return fields;
    }

    public static PgException exception(ByteBuf body) {
        return PgException.fromFields(fields(body));
    }

    /** A notice as one line: {@code WARNING 01000 message}. */
    public static String notice(ByteBuf body) {
        Map<Character, String> fields = fields(body);
        return fields.getOrDefault('V', fields.getOrDefault('S', "NOTICE")) + ' ' + fields.getOrDefault('C', "00000")
                + ' ' + fields.getOrDefault('M', "");
    }
}
