package io.github.pgrepl;

import java.util.Map;

/**
 * An {@code ErrorResponse} from the server, with its SQLSTATE and fields. The message reads like
 * psql's: {@code FATAL 28P01 password authentication failed for user "app"}.
 */
public class PgException extends ReplicationException {

    private static final long serialVersionUID = 1L;

    private final String severity;
    private final String sqlState;
    private final String serverMessage;
    private final String detail;
    private final String hint;

    public PgException(String severity, String sqlState, String serverMessage, String detail, String hint) {
        super(format(severity, sqlState, serverMessage, detail, hint));
        this.severity = severity;
        this.sqlState = sqlState;
        this.serverMessage = serverMessage;
        this.detail = detail;
        this.hint = hint;
    }

    /**
     * Builds the exception from the fields of an ErrorResponse, keyed by their one-letter codes
     * ({@code V} or {@code S} severity, {@code C} code, {@code M} message, {@code D} detail, {@code H} hint).
     */
    public static PgException fromFields(Map<Character, String> fields) {
        String severity = fields.getOrDefault('V', fields.getOrDefault('S', "ERROR"));
        return new PgException(severity, fields.getOrDefault('C', "XX000"), fields.getOrDefault('M', ""),
                fields.get('D'), fields.get('H'));
    }

    private static String format(String severity, String sqlState, String message, String detail, String hint) {
        StringBuilder text = new StringBuilder().append(severity).append(' ').append(sqlState).append(' ').append(message);
        if (detail != null) {
            text.append(" (detail: ").append(detail).append(')');
        }
        if (hint != null) {
            text.append(" (hint: ").append(hint).append(')');
        }
        return text.toString();
    }

    /** ERROR, FATAL or PANIC (the non-localized severity when the server sends it). */
    public String severity() {
        return severity;
    }

    /** The five-character SQLSTATE code, e.g. {@code 42601} for a syntax error. */
    public String sqlState() {
        return sqlState;
    }

    /** The server's primary message, without severity and code. */
    public String serverMessage() {
        return serverMessage;
    }

    /** The server's detail, or {@code null}. */
    public String detail() {
        return detail;
    }

    /** The server's hint, or {@code null}. */
    public String hint() {
        return hint;
    }

    /** FATAL and PANIC end the session: the server closes the connection after sending them. */
    public boolean isFatal() {
        return "FATAL".equals(severity) || "PANIC".equals(severity);
    }
}
