package io.github.pgrepl;

import java.util.Map;
import java.util.Set;

/**
 * An {@code ErrorResponse} from the server, with its SQLSTATE and fields. The message reads like
 * psql's: {@code FATAL 28P01 password authentication failed for user "app"}.
 */
public class PgException extends ReplicationException {

    private static final long serialVersionUID = 1L;

    /**
     * SQLSTATEs that retrying cannot clear: what a person must fix (a password, pg_hba.conf, a grant, a missing
     * database, publication, slot or plugin, a setting). Not among them: connection limits, a server starting or
     * shutting down, a slot in use, and 55000 (object not in prerequisite state), which a standby being promoted
     * answers for a while.
     */
    private static final Set<String> NON_TRANSIENT_STATES = Set.of(
            "28000", // invalid_authorization_specification: no pg_hba.conf entry, a role that may not log in
            "28P01", // invalid_password
            "3D000", // invalid_catalog_name: the database does not exist
            "42501", // insufficient_privilege: e.g. a role without REPLICATION
            "42704", // undefined_object: a publication or replication slot that does not exist
            "42P01", // undefined_table: a table to publish that does not exist (a misspelt name)
            "42602", // invalid_name: e.g. an invalid slot name
            "58P01", // undefined_file: the output plugin is not installed
            "0A000", // feature_not_supported: e.g. a protocol version the server lacks
            "22023", // invalid_parameter_value: e.g. an option the output plugin refuses
            "53400"); // configuration_limit_exceeded: e.g. every replication slot in use (max_replication_slots)

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

    /**
     * Whether retrying cannot clear this error (a wrong password, a missing database or publication, a role without
     * REPLICATION...): a person must fix something first. See {@link NonTransientReplicationException}.
     */
    public boolean isNonTransient() {
        return NON_TRANSIENT_STATES.contains(sqlState);
    }

    /** FATAL and PANIC end the session: the server closes the connection after sending them. */
    public boolean isFatal() {
        return "FATAL".equals(severity) || "PANIC".equals(severity);
    }
}
