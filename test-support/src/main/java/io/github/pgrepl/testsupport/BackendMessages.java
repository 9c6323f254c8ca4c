package io.github.pgrepl.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Backend messages of protocol 3.0, encoded for a {@link FakeBackend} script: each method returns one whole
 * message (type byte, length, body).
 */
public final class BackendMessages {

    private BackendMessages() {
    }

    public static byte[] authenticationOk() {
        return authentication(0, new byte[0]);
    }

    public static byte[] authenticationCleartextPassword() {
        return authentication(3, new byte[0]);
    }

    public static byte[] authenticationMd5Password(byte[] salt) {
        return authentication(5, salt);
    }

    /** AuthenticationSASL offering these mechanisms, e.g. {@code SCRAM-SHA-256-PLUS}. */
    public static byte[] authenticationSasl(String... mechanisms) {
        Body body = new Body();
        for (String mechanism : mechanisms) {
            body.cString(mechanism);
        }
        body.out.write(0);
        return authentication(10, body.bytes());
    }

    public static byte[] authenticationSaslContinue(String data) {
        return authentication(11, data.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] authenticationSaslFinal(String data) {
        return authentication(12, data.getBytes(StandardCharsets.UTF_8));
    }

    /** An authentication request of any code, e.g. 7 (GSSAPI). */
    public static byte[] authentication(int code, byte[] data) {
        return message('R', ByteBuffer.allocate(4 + data.length).putInt(code).put(data).array());
    }

    public static byte[] parameterStatus(String name, String value) {
        return message('S', new Body().cString(name).cString(value).bytes());
    }

    public static byte[] backendKeyData(int pid, int secret) {
        return message('K', ByteBuffer.allocate(8).putInt(pid).putInt(secret).array());
    }

    public static byte[] readyForQuery() {
        return message('Z', new byte[] {'I'});
    }

    /** An ErrorResponse with severity, SQLSTATE and message. */
    public static byte[] errorResponse(String severity, String sqlState, String text) {
        Body body = new Body();
        body.out.write('S');
        body.cString(severity);
        body.out.write('V');
        body.cString(severity);
        body.out.write('C');
        body.cString(sqlState);
        body.out.write('M');
        body.cString(text);
        body.out.write(0);
        return message('E', body.bytes());
    }

    /** A RowDescription of text columns. */
    public static byte[] rowDescription(String... columns) {
        Body body = new Body();
        body.out.writeBytes(ByteBuffer.allocate(2).putShort((short) columns.length).array());
        for (String column : columns) {
            body.cString(column);
            body.out.writeBytes(ByteBuffer.allocate(18).putInt(0).putShort((short) 0).putInt(25).putShort((short) -1)
                    .putInt(-1).putShort((short) 0).array());
        }
        return message('T', body.bytes());
    }

    /** A DataRow of text values ({@code null} for NULL). */
    public static byte[] dataRow(String... values) {
        Body body = new Body();
        body.out.writeBytes(ByteBuffer.allocate(2).putShort((short) values.length).array());
        for (String value : values) {
            if (value == null) {
                body.out.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
            } else {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                body.out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
                body.out.writeBytes(bytes);
            }
        }
        return message('D', body.bytes());
    }

    public static byte[] commandComplete(String tag) {
        return message('C', new Body().cString(tag).bytes());
    }

    /** CopyBothResponse, as START_REPLICATION answers. */
    public static byte[] copyBothResponse() {
        return message('W', new byte[] {0, 0, 0});
    }

    public static byte[] copyData(byte[] data) {
        return message('d', data);
    }

    /** Any message: the type, then the length word, then the body. */
    public static byte[] message(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    private static final class Body {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Body cString(String value) {
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            out.write(0);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
