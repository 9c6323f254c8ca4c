package io.github.pgrepl.internal.session;

/** The names of the handlers in a session's channel pipeline, in their order. */
public final class SessionPipeline {

    /** Netty's {@code SslHandler}, first, once the server accepted the SSLRequest. */
    public static final String TLS = "tls";
    /** The startup's frame decoder ({@code BackendMessageDecoder}); it leaves once the session is ready. */
    public static final String FRAMES = "messages";
    /** The {@link ReplicationSession}, last. */
    public static final String SESSION = "pgrepl";

    private SessionPipeline() {
    }
}
