package io.github.pgrepl;

import io.github.pgrepl.internal.session.SessionSettings;
import io.github.pgrepl.internal.auth.RequireAuth;
import io.github.pgrepl.internal.util.Durations;
import io.netty.channel.EventLoopGroup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where and how a {@link ReplicationConnection} connects. Immutable; build it with {@link #builder()}
 * or {@link #fromUrl(String)}. {@link #toString()} never shows the password.
 *
 * <p>Past 500 lines for one reason: it is the list of libpq's connection options pgrepl takes (hosts, TLS,
 * authentication, timeouts, backoff), each a field, a documented builder method and a line of {@code toString()};
 * parsing URLs and building TLS contexts live elsewhere ({@code ConnectionUrl}, {@code SslContexts}).
 */
public final class ConnectionConfig {

    public static final int DEFAULT_PORT = 5432;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofSeconds(1);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(30);
    /** Larger server messages are refused: a corrupt length must not allocate gigabytes. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
    /** See {@link #minReadInterval()}. */
    public static final Duration DEFAULT_MIN_READ_INTERVAL = Duration.ofMillis(1);
    private static final Duration MAX_MIN_READ_INTERVAL = Duration.ofSeconds(1);
    /**
     * libpq's {@code sslrootcert=system}: trust the JVM's trust store (its public CAs, or what
     * {@code javax.net.ssl.trustStore} names) and always check the host name, so only with sslmode verify-full,
     * which is then the default.
     */
    public static final Path SSL_ROOT_CERT_SYSTEM = Path.of("system");

    /** The settings as built: a copy of the builder that nothing changes (each option is defined once, there). */
    private final Builder values;
    private final List<Endpoint> endpoints;

    private ConnectionConfig(Builder b) {
        this.values = b.copy();
        this.endpoints = b.endpoints();
        // What an unset option resolves to is fixed here, so that toBuilder() carries it on.
        values.database = b.database != null ? b.database : b.user;
        values.sslMode = b.effectiveSslMode();
        values.targetSessionAttrs = b.targetSessionAttrs != null ? b.targetSessionAttrs
                : endpoints.size() > 1 ? TargetSessionAttrs.PRIMARY : TargetSessionAttrs.ANY;
        values.parameters = Collections.unmodifiableMap(values.parameters);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder pre-filled from a libpq URL ({@code postgresql://user:secret@host:5432/db?sslmode=verify-full})
     * or a pgjdbc URL ({@code jdbc:postgresql://host/db?user=app&password=secret}). Understood query
     * parameters: {@code user}, {@code password}, {@code sslmode}, {@code ssl}, {@code sslrootcert} (a file, or
     * {@code system}), {@code sslcert}, {@code sslkey}, {@code channel_binding}, {@code require_auth},
     * {@code application_name} ({@code ApplicationName}), {@code connect_timeout} ({@code connectTimeout}, seconds),
     * {@code host} and {@code port} (comma-separated lists), {@code target_session_attrs} ({@code targetServerType}),
     * {@code load_balance_hosts} ({@code loadBalanceHosts}), {@code options} and {@code replication}. Any other
     * parameter is an error, so a typo does not pass unnoticed. Several hosts are written as libpq writes them:
     * {@code postgresql://a:5432,b:5433/db}.
     * The user info is read as libpq reads it: characters such as {@code / ? # @ &} in a user name or password must
     * be percent-encoded ({@code %2F}, {@code %3F}, {@code %23}, {@code %40}, {@code %26}).
     *
     * @throws IllegalArgumentException naming what is wrong; the message never contains the password or a piece of it
     */
    public static Builder fromUrl(String url) {
        return ConnectionUrl.parse(url);
    }

    /** Name of the connection, used in thread names and logs. */
    public String name() {
        return values.name;
    }

    /** The first host of {@link #endpoints()}. */
    public String host() {
        return endpoints.get(0).host();
    }

    /** The port of the first host of {@link #endpoints()}. */
    public int port() {
        return endpoints.get(0).port();
    }

    /**
     * The servers to connect to, in the order tried (shuffled per attempt with {@link #loadBalanceHosts()}): a
     * connection, and every reconnect, walks the list until one of the {@link #targetSessionAttrs()} kind answers.
     */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * Which server of {@link #endpoints()} to keep. Unless set: {@link TargetSessionAttrs#PRIMARY} with several hosts
     * (a replication stream follows the primary through a failover), {@link TargetSessionAttrs#ANY} with one (nothing
     * to choose, and decoding on a standby keeps working).
     */
    public TargetSessionAttrs targetSessionAttrs() {
        return values.targetSessionAttrs;
    }

    /** libpq's {@code load_balance_hosts=random}: try the hosts in a random order on each attempt. */
    public boolean loadBalanceHosts() {
        return values.loadBalanceHosts;
    }

    public String database() {
        return values.database;
    }

    public String user() {
        return values.user;
    }

    /** The password, or {@code null}. Never logged or printed by pgrepl. */
    public String password() {
        return values.password;
    }

    public SslMode sslMode() {
        return values.sslMode;
    }

    /**
     * PEM file of the certificates trusted for verify-ca / verify-full, {@link #SSL_ROOT_CERT_SYSTEM} for the JVM's
     * trust store, or {@code null} for libpq's default {@code ~/.postgresql/root.crt} (an error when missing).
     */
    public Path sslRootCert() {
        return values.sslRootCert;
    }

    /** PEM client certificate for certificate authentication, or {@code null}. */
    public Path sslCert() {
        return values.sslCert;
    }

    /** PEM (PKCS#8) key of {@link #sslCert()}, or {@code null}. */
    public Path sslKey() {
        return values.sslKey;
    }

    /**
     * The certificates trusted to sign the server's, instead of {@link #sslRootCert()}: checked for verify-ca and
     * verify-full (which also checks the host name) and, since they are given, for require, as libpq does with a root
     * certificate; or {@code null}. Consulted at each handshake, so a factory whose managers change (a reloaded
     * certificate) takes effect at the next connect.
     */
    public TrustManagerFactory sslTrustManagerFactory() {
        return values.sslTrustManagerFactory;
    }

    /** The client certificate and its key, instead of {@link #sslCert()} and {@link #sslKey()}; or {@code null}. */
    public KeyManagerFactory sslKeyManagerFactory() {
        return values.sslKeyManagerFactory;
    }

    public ChannelBinding channelBinding() {
        return values.channelBinding;
    }

    /**
     * libpq's {@code require_auth}: the authentication methods the server may ask for ({@code password}, {@code md5},
     * {@code scram-sha-256}, {@code none} for none at all), comma-separated, or those it may not, each after a
     * {@code !}; or {@code null} for any. A request the setting does not allow is refused before any secret is sent.
     */
    public String requireAuth() {
        return values.requireAuth;
    }

    public String applicationName() {
        return values.applicationName;
    }

    /** Bound on a whole connection attempt: TCP, TLS, authentication (and a synchronous start). */
    public Duration connectTimeout() {
        return values.connectTimeout;
    }

    /** Default timeout of {@link Action#query(String)}. */
    public Duration queryTimeout() {
        return values.queryTimeout;
    }

    /** Default timeout of {@link ReplicationConnection#call(Object)}. */
    public Duration callTimeout() {
        return values.callTimeout;
    }

    public boolean syncConnect() {
        return values.syncConnect;
    }

    public boolean autoReconnect() {
        return values.autoReconnect;
    }

    public Duration reconnectBackoffMin() {
        return values.reconnectBackoffMin;
    }

    public Duration reconnectBackoffMax() {
        return values.reconnectBackoffMax;
    }

    public int maxMessageSize() {
        return values.maxMessageSize;
    }

    /**
     * How long a running replication stream may stay silent (no data, no keepalive) before the
     * connection is presumed dead (half-open) and closed; {@code null} (the default) means twice the
     * server's {@code wal_sender_timeout}, {@link Duration#ZERO} turns the check off. Not checked while paused.
     */
    public Duration silenceTimeout() {
        return values.silenceTimeout;
    }

    /**
     * The least time between two socket reads of a running stream (default 1 ms): bytes that arrive in
     * between are read together. A busy stream then wakes the connection's thread about once per interval
     * instead of once per TCP segment, which saves the client CPU per message and the walsender the
     * wake-ups; a message may wait up to the interval longer. {@link Duration#ZERO} reads as soon as bytes
     * arrive. Queries and startup always read at once.
     */
    public Duration minReadInterval() {
        return values.minReadInterval;
    }

    /** Extra startup parameters; {@code replication} here overrides the default {@code database}. */
    public Map<String, String> parameters() {
        return values.parameters;
    }

    /** A shared event loop group, or {@code null} for a thread of the connection's own. */
    public EventLoopGroup eventLoopGroup() {
        return values.eventLoopGroup;
    }

    /** The same settings, to change some. */
    public Builder toBuilder() {
        return values.copy();
    }

    @Override
    public String toString() {
        return "ConnectionConfig[name=" + name() + ", hosts=" + endpoints + (endpoints.size() > 1 || targetSessionAttrs()
                != TargetSessionAttrs.ANY ? ", targetSessionAttrs=" + targetSessionAttrs().value() : "") + ", database=" + database()
                + ", user=" + user() + ", password=" + (password() == null ? "<none>" : "<hidden>")
                + ", sslMode=" + sslMode().value() + ", autoReconnect=" + autoReconnect() + "]";
    }

    /** Builds a {@link ConnectionConfig}; only {@code user} is required. */
    public static final class Builder implements Cloneable {
        private String name = "pgrepl";
        private List<String> hosts = List.of("localhost");
        /** One port for every host, or one per host; 0 for the default port. */
        private List<Integer> ports = List.of(DEFAULT_PORT);
        /** {@code null} until set: primary with several hosts, any with one. */
        private TargetSessionAttrs targetSessionAttrs;
        private boolean loadBalanceHosts;
        private String database;
        private String user;
        private String password;
        /** {@code null} until set: prefer, or verify-full with sslrootcert=system. */
        private SslMode sslMode;
        private Path sslRootCert;
        private Path sslCert;
        private Path sslKey;
        private TrustManagerFactory sslTrustManagerFactory;
        private KeyManagerFactory sslKeyManagerFactory;
        private ChannelBinding channelBinding = ChannelBinding.PREFER;
        private String requireAuth;
        private String applicationName = "pgrepl";
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private boolean syncConnect = true;
        private boolean autoReconnect;
        private Duration reconnectBackoffMin = DEFAULT_BACKOFF_MIN;
        private Duration reconnectBackoffMax = DEFAULT_BACKOFF_MAX;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private Duration silenceTimeout;
        private Duration minReadInterval = DEFAULT_MIN_READ_INTERVAL;
        private Map<String, String> parameters = new LinkedHashMap<>();
        private EventLoopGroup eventLoopGroup;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = requireText(name, "name");
            return this;
        }

        /** One host (its port: {@link #port(int)}); replaces a host list. */
        public Builder host(String host) {
            return hosts(List.of(host));
        }

        /**
         * Several hosts, tried in order until one of the {@link #targetSessionAttrs(TargetSessionAttrs) wanted kind}
         * answers; their ports: {@link #port(int)} for all, or {@link #ports(List)} one per host.
         */
        public Builder hosts(List<String> hosts) {
            if (hosts == null || hosts.isEmpty()) {
                throw new IllegalArgumentException("at least one host is required");
            }
            for (String host : hosts) {
                requireText(host, "host");
                if (host.indexOf(',') >= 0) {
                    throw new IllegalArgumentException("host '" + host + "' holds a comma: give several hosts as a list");
                }
            }
            this.hosts = List.copyOf(hosts);
            return this;
        }

        /** The port of every host. */
        public Builder port(int port) {
            return ports(List.of(checkPort(port)));
        }

        /** One port for every host, or one per host in the same order; 0 stands for {@value #DEFAULT_PORT}. */
        public Builder ports(List<Integer> ports) {
            if (ports == null || ports.isEmpty()) {
                throw new IllegalArgumentException("at least one port is required");
            }
            for (Integer port : ports) {
                if (port == null || port != 0) {
                    checkPort(port == null ? -1 : port);
                }
            }
            this.ports = List.copyOf(ports);
            return this;
        }

        /** The servers to connect to, each with its port. */
        public Builder endpoints(List<Endpoint> endpoints) {
            if (endpoints == null || endpoints.isEmpty()) {
                throw new IllegalArgumentException("at least one endpoint is required");
            }
            this.hosts = endpoints.stream().map(Endpoint::host).toList();
            this.ports = endpoints.stream().map(Endpoint::port).toList();
            return this;
        }

        /** Which server of the host list to keep; see {@link ConnectionConfig#targetSessionAttrs()}. */
        public Builder targetSessionAttrs(TargetSessionAttrs targetSessionAttrs) {
            this.targetSessionAttrs = Objects.requireNonNull(targetSessionAttrs, "targetSessionAttrs");
            return this;
        }

        /** Try the hosts in a random order on each attempt (libpq's {@code load_balance_hosts=random}). */
        public Builder loadBalanceHosts(boolean loadBalanceHosts) {
            this.loadBalanceHosts = loadBalanceHosts;
            return this;
        }

        /** Pairs hosts and ports as libpq does: one port for all, or one each. */
        List<Endpoint> endpoints() {
            if (ports.size() != 1 && ports.size() != hosts.size()) {
                throw new IllegalArgumentException("could not match " + ports.size() + " port numbers to " + hosts.size()
                        + " hosts: give one port for all, or one per host");
            }
            List<Endpoint> endpoints = new ArrayList<>(hosts.size());
            for (int i = 0; i < hosts.size(); i++) {
                int port = ports.get(ports.size() == 1 ? 0 : i);
                endpoints.add(new Endpoint(hosts.get(i), port == 0 ? DEFAULT_PORT : port));
            }
            return List.copyOf(endpoints);
        }

        private static int checkPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
            }
            return port;
        }

        /** The database; defaults to the user name, as libpq's does. */
        public Builder database(String database) {
            this.database = requireText(database, "database");
            return this;
        }

        public Builder user(String user) {
            this.user = requireText(user, "user");
            return this;
        }

        public Builder password(String password) {
            this.password = password;
            return this;
        }

        public Builder sslMode(SslMode sslMode) {
            this.sslMode = Objects.requireNonNull(sslMode, "sslMode");
            return this;
        }

        /** See {@link ConnectionConfig#sslRootCert()}. */
        public Builder sslRootCert(Path sslRootCert) {
            this.sslRootCert = sslRootCert;
            return this;
        }

        public Builder sslCert(Path sslCert) {
            this.sslCert = sslCert;
            return this;
        }

        public Builder sslKey(Path sslKey) {
            this.sslKey = sslKey;
            return this;
        }

        /** See {@link ConnectionConfig#sslTrustManagerFactory()}; not with {@link #sslRootCert(Path)}. */
        public Builder sslTrustManagerFactory(TrustManagerFactory trustManagerFactory) {
            this.sslTrustManagerFactory = trustManagerFactory;
            return this;
        }

        /** See {@link ConnectionConfig#sslKeyManagerFactory()}; not with {@link #sslCert(Path)} and {@link #sslKey(Path)}. */
        public Builder sslKeyManagerFactory(KeyManagerFactory keyManagerFactory) {
            this.sslKeyManagerFactory = keyManagerFactory;
            return this;
        }

        public Builder channelBinding(ChannelBinding channelBinding) {
            this.channelBinding = Objects.requireNonNull(channelBinding, "channelBinding");
            return this;
        }

        /**
         * See {@link ConnectionConfig#requireAuth()}; {@code null} or empty for any method.
         *
         * @throws IllegalArgumentException for an unknown, repeated or mixed (negated and not) method, as libpq
         */
        public Builder requireAuth(String requireAuth) {
            RequireAuth.parse(requireAuth);
            this.requireAuth = requireAuth == null || requireAuth.isEmpty() ? null : requireAuth;
            return this;
        }

        public Builder applicationName(String applicationName) {
            this.applicationName = applicationName;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = requirePositive(connectTimeout, "connectTimeout");
            return this;
        }

        public Builder queryTimeout(Duration queryTimeout) {
            this.queryTimeout = requirePositive(queryTimeout, "queryTimeout");
            return this;
        }

        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = requirePositive(callTimeout, "callTimeout");
            return this;
        }

        /** With {@code true} (the default), {@code start} returns only once connected and settled, or throws. */
        public Builder syncConnect(boolean syncConnect) {
            this.syncConnect = syncConnect;
            return this;
        }

        public Builder autoReconnect(boolean autoReconnect) {
            this.autoReconnect = autoReconnect;
            return this;
        }

        /** Reconnect delays grow exponentially from {@code min} to {@code max}, with jitter. */
        public Builder reconnectBackoff(Duration min, Duration max) {
            requirePositive(min, "reconnect backoff min");
            requirePositive(max, "reconnect backoff max");
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("reconnect backoff max (" + Durations.text(max) + ") must not be below min (" + Durations.text(min) + ")");
            }
            this.reconnectBackoffMin = min;
            this.reconnectBackoffMax = max;
            return this;
        }

        public Builder maxMessageSize(int maxMessageSize) {
            if (maxMessageSize < 1024) {
                throw new IllegalArgumentException("maxMessageSize must be at least 1024 bytes, was " + maxMessageSize);
            }
            this.maxMessageSize = maxMessageSize;
            return this;
        }

        /** See {@link ConnectionConfig#silenceTimeout()}; {@code null} derives it from the server. */
        public Builder silenceTimeout(Duration silenceTimeout) {
            if (silenceTimeout != null && silenceTimeout.isNegative()) {
                throw new IllegalArgumentException("silenceTimeout must not be negative, was " + Durations.text(silenceTimeout));
            }
            this.silenceTimeout = silenceTimeout;
            return this;
        }

        /** See {@link ConnectionConfig#minReadInterval()}: 0 to 1 s. */
        public Builder minReadInterval(Duration minReadInterval) {
            if (minReadInterval == null || minReadInterval.isNegative() || minReadInterval.compareTo(MAX_MIN_READ_INTERVAL) > 0) {
                throw new IllegalArgumentException("minReadInterval must be between 0 (read at once) and "
                        + Durations.text(MAX_MIN_READ_INTERVAL) + ", was " + Durations.text(minReadInterval) + "; the default is "
                        + Durations.text(DEFAULT_MIN_READ_INTERVAL));
            }
            this.minReadInterval = minReadInterval;
            return this;
        }

        /**
         * A startup parameter (a GUC such as {@code search_path}, or {@code replication}). The settings that decide
         * how values are printed (DateStyle, IntervalStyle, extra_float_digits, client_encoding) are pgrepl's to set.
         */
        public Builder parameter(String name, String value) {
            requireText(name, "parameter name");
            Objects.requireNonNull(value, "parameter value");
            if (SessionSettings.isPinned(name) || name.equals("options") && SessionSettings.mentionsPinned(value)) {
                throw new IllegalArgumentException("pgrepl sets " + SessionSettings.PINNED + " itself, to read values as the"
                        + " server prints them; leave them out of the startup parameters");
            }
            parameters.put(name, value);
            return this;
        }

        /** Run the connection on this group (not owned: closing the connection leaves it running). */
        public Builder eventLoopGroup(EventLoopGroup eventLoopGroup) {
            this.eventLoopGroup = eventLoopGroup;
            return this;
        }

        /** A copy with a parameter map of its own: a config keeps one as its settings, toBuilder() hands out another. */
        private Builder copy() {
            try {
                Builder copy = (Builder) clone(); // every other field holds an immutable value
                copy.parameters = new LinkedHashMap<>(parameters);
                return copy;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }

        public ConnectionConfig build() {
            if (user == null) {
                throw new IllegalArgumentException("user is required: set it with user(..) or in the URL");
            }
            if (SSL_ROOT_CERT_SYSTEM.equals(sslRootCert) && effectiveSslMode() != SslMode.VERIFY_FULL) {
                throw new IllegalArgumentException("weak sslmode \"" + sslMode.value() + "\" may not be used with"
                        + " sslrootcert=system (use \"verify-full\"): the JVM's public CAs vouch for any domain, so the host name"
                        + " must be checked");
            }
            if (sslTrustManagerFactory != null && sslRootCert != null) {
                throw new IllegalArgumentException("sslrootcert and a trust manager factory are both set: the trusted"
                        + " certificates come from one of them; remove the other");
            }
            if (sslKeyManagerFactory != null && (sslCert != null || sslKey != null)) {
                throw new IllegalArgumentException("sslcert/sslkey and a key manager factory are both set: the client"
                        + " certificate comes from one of them; remove the other");
            }
            RequireAuth allowed = RequireAuth.parse(requireAuth);
            if (channelBinding == ChannelBinding.REQUIRE && allowed != null && !allowed.allowsScram()) {
                throw new IllegalArgumentException("channel_binding=require needs scram-sha-256, which require_auth \""
                        + requireAuth + "\" does not allow: allow scram-sha-256, or set channel binding to prefer");
            }
            return new ConnectionConfig(this);
        }

        /** The sslmode set, else libpq's default: verify-full with sslrootcert=system, prefer otherwise. */
        private SslMode effectiveSslMode() {
            if (sslMode != null) {
                return sslMode;
            }
            return SSL_ROOT_CERT_SYSTEM.equals(sslRootCert) ? SslMode.VERIFY_FULL : SslMode.PREFER;
        }

        private static String requireText(String value, String what) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(what + " must not be empty");
            }
            return value;
        }

        private static Duration requirePositive(Duration value, String what) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " must be a positive duration, was " + Durations.text(value));
            }
            return value;
        }
    }
}
