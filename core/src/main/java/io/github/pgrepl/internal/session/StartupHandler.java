package io.github.pgrepl.internal.session;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.PgException;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.TargetSessionAttrs;
import io.github.pgrepl.internal.auth.AuthenticationExchange;
import io.github.pgrepl.internal.auth.RequireAuth;
import io.github.pgrepl.internal.protocol.BackendMessageDecoder;
import io.github.pgrepl.internal.protocol.ErrorResponses;
import io.github.pgrepl.internal.protocol.FrontendMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Takes a fresh socket to "ready for query": the optional SSLRequest and TLS handshake, the startup
 * message, authentication, and the server's parameters. On ReadyForQuery it leaves the pipeline
 * (keeping the TLS handler and the message decoder) and completes its promise.
 */
final class StartupHandler extends ChannelInboundHandlerAdapter {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|min|h|d)?");

    private enum Step { SSL_RESPONSE, TLS_HANDSHAKE, STARTUP, SETTINGS }

    private final ConnectionConfig config;
    private final Endpoint endpoint;
    private final SslContext sslContext;
    private final Promise<SessionInfo> result;
    private final Map<String, String> serverParameters = new HashMap<>();
    private Step step;
    private int backendPid;
    private AuthenticationExchange auth;
    /** A SCRAM key derivation runs: the server has nothing to say until the client answers. */
    private boolean deriving;
    private Duration walSenderTimeout;
    private boolean tls;
    /** The settings still to read with SHOW after authentication, in order, and the one being read. */
    private final Deque<String> toShow = new ArrayDeque<>();
    private String showing;
    private final Map<String, String> shown = new HashMap<>();

    /**
     * @param endpoint the server of the host list this attempt connects to
     * @param sslContext the TLS context when this attempt asks for TLS, else {@code null}
     */
    StartupHandler(ConnectionConfig config, Endpoint endpoint, SslContext sslContext, Promise<SessionInfo> result) {
        this.config = config;
        this.endpoint = endpoint;
        this.sslContext = sslContext;
        this.result = result;
        // The server's wal_sender_timeout tells how long silence may last; a connection that picks its server by
        // kind asks the kind too. SHOW, not SELECT: it is a replication command, so it works with replication=true.
        toShow.add("wal_sender_timeout");
        if (config.targetSessionAttrs() != TargetSessionAttrs.ANY) {
            toShow.add("in_hot_standby");
            toShow.add("transaction_read_only");
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (sslContext != null) {
            step = Step.SSL_RESPONSE;
            ctx.writeAndFlush(FrontendMessages.sslRequest(ctx.alloc()));
        } else {
            sendStartup(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (step == Step.SSL_RESPONSE) {
                onSslResponse(ctx, in);
            } else if (step == Step.STARTUP || step == Step.SETTINGS) {
                onMessage(ctx, in);
            } else {
                fail(ctx, new ReplicationException("Protocol error: the server sent data during the TLS handshake"));
            }
        } catch (ReplicationException e) {
            fail(ctx, e);
        } catch (RuntimeException e) {
            fail(ctx, new ReplicationException("Protocol error during startup: " + e.getMessage(), e));
        } finally {
            ReferenceCountUtil.release(in);
        }
    }

    private void onSslResponse(ChannelHandlerContext ctx, ByteBuf in) {
        byte answer = in.readByte();
        if (answer == 'S') {
            if (in.isReadable()) {
                // Bytes after 'S' were not encrypted: someone may be injecting them (CVE-2021-23222).
                throw new ReplicationException("The server sent unencrypted data right after accepting TLS; refusing to go on");
            }
            step = Step.TLS_HANDSHAKE;
            tls = true;
            SslHandler ssl = sslContext.newHandler(ctx.alloc(), endpoint.host(), endpoint.port());
            ctx.pipeline().addFirst(SessionPipeline.TLS, ssl);
            ssl.handshakeFuture().addListener(done -> {
                if (done.isSuccess()) {
                    sendStartup(ctx);
                } else {
                    String problem = "TLS handshake with " + endpoint + " failed (sslmode=" + config.sslMode().value()
                            + "): " + rootMessage(done.cause()) + hostHint();
                    fail(ctx, certificateRefused(done.cause()) ? new NonTransientReplicationException(problem, done.cause())
                            : new ReplicationException(problem, done.cause()));
                }
            });
        } else if (answer == 'N') {
            if (config.sslMode().requiresTls()) {
                throw new NonTransientReplicationException("The server at " + endpoint
                        + " does not accept TLS, but sslmode=" + config.sslMode().value()
                        + " requires it: turn ssl on in postgresql.conf, or lower sslmode");
            }
            sendStartup(ctx);
        } else {
            throw new ReplicationException("Unexpected answer 0x" + Integer.toHexString(answer & 0xFF)
                    + " to SSLRequest: is " + endpoint + " a PostgreSQL server?");
        }
    }

    /** A certificate the checks refused (its chain, its host name) stays refused however often one retries. */
    private static boolean certificateRefused(Throwable failure) {
        for (Throwable each = failure; each != null; each = each.getCause() == each ? null : each.getCause()) {
            if (each instanceof CertificateException || each instanceof CertPathValidatorException
                    || each instanceof SSLPeerUnverifiedException) {
                return true;
            }
        }
        return false;
    }

    private String hostHint() {
        return config.sslMode() == io.github.pgrepl.SslMode.VERIFY_FULL
                ? ". With sslmode=verify-full the server certificate must name the host connected to ('" + endpoint.host()
                        + "'): connect by a name the certificate lists, or use sslmode=verify-ca"
                : "";
    }

    private void sendStartup(ChannelHandlerContext ctx) {
        step = Step.STARTUP;
        ctx.pipeline().addBefore(ctx.name(), SessionPipeline.FRAMES, new BackendMessageDecoder(config.maxMessageSize()));
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", config.user());
        parameters.put("database", config.database());
        parameters.put("replication", "database");
        if (config.applicationName() != null && !config.applicationName().isEmpty()) {
            parameters.put("application_name", config.applicationName());
        }
        parameters.putAll(config.parameters());
        parameters.putAll(SessionSettings.PINNED); // how values are printed: ConnectionConfig refuses to override these
        auth = new AuthenticationExchange(config.user(), config.password(), config.channelBinding(),
                RequireAuth.parse(config.requireAuth()), tls);
        ctx.writeAndFlush(FrontendMessages.startup(ctx.alloc(), parameters));
    }

    private void onMessage(ChannelHandlerContext ctx, ByteBuf frame) {
        byte type = BackendMessageDecoder.type(frame);
        if (deriving) {
            throw new ReplicationException("Protocol error: the server sent a message ('" + (char) type
                    + "') before the client answered its SCRAM server-first-message; refusing");
        }
        ByteBuf body = BackendMessageDecoder.body(frame);
        switch (type) {
            case 'R' -> onAuthentication(ctx, body);
            case 'S' -> {
                String name = FrontendMessages.readCString(body);
                String value = FrontendMessages.readCString(body);
                SessionSettings.checkReported(name, value);
                serverParameters.put(name, value);
            }
            case 'K' -> backendPid = body.readInt();
            case 'E' -> fail(ctx, withStartupHint(ErrorResponses.exception(body)));
            case 'N', 'v' -> {
                // notices and protocol negotiation carry nothing startup needs
            }
            case 'Z' -> onReady(ctx);
            case 'T', 'C' -> {
                // a SHOW's row description and command tag
            }
            case 'D' -> {
                body.skipBytes(2 + 4); // one column: its length, then the value
                shown.put(showing, body.toString(StandardCharsets.UTF_8));
            }
            default -> throw new ReplicationException("Protocol error: unexpected message '" + (char) type + "' during startup");
        }
    }

    /** Adds the fix to the refusals a replication connection commonly meets at startup. */
    private PgException withStartupHint(PgException error) {
        if (error.hint() == null && "42501".equals(error.sqlState())) {
            return new PgException(error.severity(), error.sqlState(), error.serverMessage(), error.detail(),
                    "the role needs the REPLICATION attribute: ALTER ROLE " + config.user() + " REPLICATION");
        }
        return error;
    }

    private void onAuthentication(ChannelHandlerContext ctx, ByteBuf body) {
        int code = body.readInt();
        auth.check(code); // before anything is answered: a refused request gets nothing
        switch (code) {
            case 0 -> {
                // authenticated; ParameterStatus, BackendKeyData and ReadyForQuery follow
            }
            case 3 -> ctx.writeAndFlush(FrontendMessages.password(ctx.alloc(), auth.cleartextPassword()));
            case 5 -> ctx.writeAndFlush(FrontendMessages.password(ctx.alloc(),
                    auth.md5Password(ByteBufUtil.getBytes(body, body.readerIndex(), 4))));
            case 10 -> {
                List<String> mechanisms = new ArrayList<>();
                while (body.isReadable() && body.getByte(body.readerIndex()) != 0) {
                    mechanisms.add(FrontendMessages.readCString(body));
                }
                AuthenticationExchange.SaslStart start = auth.startSasl(mechanisms, () -> peerCertificate(ctx));
                ctx.writeAndFlush(FrontendMessages.saslInitialResponse(ctx.alloc(), start.mechanism(), start.clientFirstMessage()));
            }
            case 11 -> continueSasl(ctx, ByteBufUtil.getBytes(body));
            case 12 -> auth.finishSasl(ByteBufUtil.getBytes(body));
            default -> throw new NonTransientReplicationException("The server asks for an authentication method pgrepl does not support (code "
                    + code + ", e.g. GSSAPI or SSPI): use scram-sha-256, md5, password or trust in pg_hba.conf");
        }
    }

    /**
     * Derives the SCRAM key on a thread of its own: this event loop stays free, so connectTimeout fires on time
     * whatever iteration count the server sent, and the derivation stops once the attempt is over.
     */
    private void continueSasl(ChannelHandlerContext ctx, byte[] serverFirst) {
        deriving = true;
        auth.continueSasl(serverFirst, () -> result.isDone() || !ctx.channel().isActive())
                .whenComplete((clientFinal, error) -> ctx.executor().execute(() -> {
                    deriving = false;
                    if (result.isDone()) {
                        return; // timed out or closed meanwhile
                    }
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                        fail(ctx, cause instanceof ReplicationException re ? re
                                : new ReplicationException("SCRAM authentication failed: " + rootMessage(cause), cause));
                    } else {
                        ctx.writeAndFlush(FrontendMessages.saslResponse(ctx.alloc(), clientFinal));
                    }
                }));
    }

    private static X509Certificate peerCertificate(ChannelHandlerContext ctx) {
        try {
            Certificate[] chain = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
            return (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            throw new NonTransientReplicationException("SCRAM channel binding needs the server certificate, but TLS did not provide one", e);
        }
    }

    private void onReady(ChannelHandlerContext ctx) {
        step = Step.SETTINGS;
        showing = toShow.poll();
        if (showing != null) {
            ctx.writeAndFlush(FrontendMessages.query(ctx.alloc(), "SHOW " + showing));
            return;
        }
        ctx.pipeline().remove(this);
        String timeout = shown.get("wal_sender_timeout");
        walSenderTimeout = timeout == null ? null : parseDuration(timeout);
        result.trySuccess(new SessionInfo(backendPid, Map.copyOf(serverParameters), auth.method(), tls, walSenderTimeout,
                endpoint, onOff(shown.get("in_hot_standby")), onOff(shown.get("transaction_read_only"))));
    }

    private static Boolean onOff(String value) {
        return value == null ? null : "on".equals(value);
    }

    /** A duration setting as SHOW prints it: {@code 60s}, {@code 1min}, {@code 500ms}, {@code 0}. */
    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long value = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "s" -> Duration.ofSeconds(value);
            case "min" -> Duration.ofMinutes(value);
            case "h" -> Duration.ofHours(value);
            case "d" -> Duration.ofDays(value);
            default -> Duration.ofMillis(value);
        };
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new ConnectionLostException("The server at " + endpoint
                + " closed the connection during startup"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (step == Step.TLS_HANDSHAKE || result.isDone()) {
            return; // the handshake future reports TLS failures, with more context
        }
        fail(ctx, cause instanceof ReplicationException re ? re
                : new ConnectionLostException("Connection to " + endpoint + " failed during startup: "
                        + rootMessage(cause), cause));
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (result.tryFailure(cause)) {
            ctx.close();
        }
    }

    static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
