package io.github.pgrepl.testsupport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message a client sent to a {@link FakeBackend}: its type byte and body (without the length word). The
 * startup message has type {@link #STARTUP}; an SSLRequest {@link #SSL_REQUEST}.
 */
public record FrontendMessage(char type, byte[] body) {

    /** The type given to the untyped startup message. */
    public static final char STARTUP = '0';
    /** The type given to the untyped SSLRequest. */
    public static final char SSL_REQUEST = 'S';

    public FrontendMessage {
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The startup message's parameters (user, database, DateStyle…), in the order sent. */
    public Map<String, String> startupParameters() {
        requireType(STARTUP);
        Map<String, String> parameters = new LinkedHashMap<>();
        ByteBuffer in = ByteBuffer.wrap(body, 4, body.length - 4); // after the protocol version
        while (in.hasRemaining() && in.get(in.position()) != 0) {
            parameters.put(cString(in), cString(in));
        }
        return Collections.unmodifiableMap(parameters);
    }

    /** The mechanism a SASLInitialResponse names. */
    public String saslMechanism() {
        requireType('p');
        return cString(ByteBuffer.wrap(body));
    }

    /** The data of a SASLInitialResponse (the SCRAM client-first-message), as text. */
    public String saslInitialData() {
        ByteBuffer in = ByteBuffer.wrap(body);
        cString(in);
        int length = in.getInt();
        return length < 0 ? "" : new String(body, in.position(), length, StandardCharsets.UTF_8);
    }

    /** The nonce ({@code r=}) of a SCRAM client-first-message in a SASLInitialResponse. */
    public String scramClientNonce() {
        String data = saslInitialData();
        int at = data.indexOf(",r=");
        if (at < 0) {
            throw new IllegalStateException("no client nonce in the SCRAM client-first-message '" + data + "'");
        }
        int end = data.indexOf(',', at + 3);
        return data.substring(at + 3, end < 0 ? data.length() : end);
    }

    /** The body as UTF-8 text up to its first NUL: a PasswordMessage's password, a Query's SQL. */
    public String text() {
        int end = 0;
        while (end < body.length && body[end] != 0) {
            end++;
        }
        return new String(body, 0, end, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "FrontendMessage['" + type + "', " + body.length + " bytes]";
    }

    private void requireType(char expected) {
        if (type != expected) {
            throw new IllegalStateException("expected a message of type '" + expected + "', this is '" + type + "'");
        }
    }

    private static String cString(ByteBuffer in) {
        int start = in.position();
        int end = start;
        while (in.get(end) != 0) {
            end++;
        }
        in.position(end + 1);
        return new String(in.array(), in.arrayOffset() + start, end - start, StandardCharsets.UTF_8);
    }
}
