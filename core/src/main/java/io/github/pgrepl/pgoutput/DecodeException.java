package io.github.pgrepl.pgoutput;

import io.github.pgrepl.ReplicationException;

/**
 * A pgoutput message, or a value inside one, that does not follow the wire format: truncated,
 * with an impossible length, an unknown tag, or a value that its type cannot hold. The message
 * names the pgoutput message type and the byte offset where decoding stopped, so that a report
 * can be matched against a hex dump of the payload.
 *
 * <p>Seeing one almost always means the decoder and the server disagree about the protocol
 * version or options (for example {@code streaming} or {@code binary}), or the relation cache is
 * stale after a reconnect that skipped {@link PgOutputDecoder#reset()}.
 */
public class DecodeException extends ReplicationException {

    private static final long serialVersionUID = 1L;

    public DecodeException(String message) {
        super(message);
    }

    public DecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
