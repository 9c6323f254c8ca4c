package io.github.pgrepl;

import io.github.pgrepl.internal.auth.RequireAuth;
import io.netty.channel.EventLoopGroup;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how a {@link ReplicationConnection} connects. Immutable; build it with {@link #builder()}
 * or {@link #fromUrl(String)}. {@link #toString()} never shows the password.
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

    private final String name;
    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password;
    private final SslMode sslMode;
    private final Path sslRootCert;
    private final Path sslCert;
    private final Path sslKey;
    private final ChannelBinding channelBinding;
    private final String requireAuth;
    private final String applicationName;
    private final Duration connectTimeout;
    private final Duration queryTimeout;
    private final Duration callTimeout;
    private final boolean syncConnect;
    private final boolean autoReconnect;
    private final Duration reconnectBackoffMin;
    private final Duration reconnectBackoffMax;
    private final int maxMessageSize;
    private final Duration silenceTimeout;
    private final Duration minReadInterval;
    private final Map<String, String> parameters;
    private final EventLoopGroup eventLoopGroup;

    private ConnectionConfig(Builder b) {
        this.name = b.name;
        this.host = b.host;
        this.port = b.port;
        this.user = b.user;
        this.database = b.database != null ? b.database : b.user;
        this.password = b.password;
        this.sslMode = b.effectiveSslMode();
        this.sslRootCert = b.sslRootCert;
        this.sslCert = b.sslCert;
        this.sslKey = b.sslKey;
        this.channelBinding = b.channelBinding;
        this.requireAuth = b.requireAuth;
        this.applicationName = b.applicationName;
        this.connectTimeout = b.connectTimeout;
        this.queryTimeout = b.queryTimeout;
        this.callTimeout = b.callTimeout;
        this.syncConnect = b.syncConnect;
        this.autoReconnect = b.autoReconnect;
        this.reconnectBackoffMin = b.reconnectBackoffMin;
        this.reconnectBackoffMax = b.reconnectBackoffMax;
        this.maxMessageSize = b.maxMessageSize;
        this.silenceTimeout = b.silenceTimeout;
        this.minReadInterval = b.minReadInterval;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(b.parameters));
        this.eventLoopGroup = b.eventLoopGroup;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder pre-filled from a libpq URL ({@code postgresql://user:secret@host:5432/db?sslmode=verify-full})
     * or a pgjdbc URL ({@code jdbc:postgresql://host/db?user=app&password=secret}). Understood query
     * parameters: {@code user}, {@code password}, {@code sslmode}, {@code ssl}, {@code sslrootcert},
     * {@code sslcert}, {@code sslkey}, {@code channel_binding}, {@code application_name}
     * ({@code ApplicationName}), {@code connect_timeout} ({@code connectTimeout}, seconds), {@code options}
     * and {@code replication}. Any other parameter is an error, so a typo does not pass unnoticed.
     *
     * @throws IllegalArgumentException naming what is wrong; the message never contains the password
     */
    public static Builder fromUrl(String url) {
        return ConnectionUrl.parse(url);
    }

    /** Name of the connection, used in thread names and logs. */
    public String name() {
        return name;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    public String user() {
        return user;
    }

    /** The password, or {@code null}. Never logged or printed by pgrepl. */
    public String password() {
        return password;
    }

    public SslMode sslMode() {
        return sslMode;
    }

    /**
     * PEM file of the certificates trusted for verify-ca / verify-full, {@link #SSL_ROOT_CERT_SYSTEM} for the JVM's
     * trust store, or {@code null} for libpq's default {@code ~/.postgresql/root.crt} (an error when missing).
     */
    public Path sslRootCert() {
        return sslRootCert;
    }

    /** PEM client certificate for certificate authentication, or {@code null}. */
    public Path sslCert() {
        return sslCert;
    }

    /** PEM (PKCS#8) key of {@link #sslCert()}, or {@code null}. */
    public Path sslKey() {
        return sslKey;
    }

    public ChannelBinding channelBinding() {
        return channelBinding;
    }

    /**
     * libpq's {@code require_auth}: the authentication methods the server may ask for ({@code password}, {@code md5},
     * {@code scram-sha-256}, {@code none} for none at all), comma-separated, or those it may not, each after a
     * {@code !}; or {@code null} for any. A request the setting does not allow is refused before any secret is sent.
     */
    public String requireAuth() {
        return requireAuth;
    }

    public String applicationName() {
        return applicationName;
    }

    /** Bound on a whole connection attempt: TCP, TLS, authentication (and a synchronous start). */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Default timeout of {@link Action#query(String)}. */
    public Duration queryTimeout() {
        return queryTimeout;
    }

    /** Default timeout of {@link ReplicationConnection#call(Object)}. */
    public Duration callTimeout() {
        return callTimeout;
    }

    public boolean syncConnect() {
        return syncConnect;
    }

    public boolean autoReconnect() {
        return autoReconnect;
    }

    public Duration reconnectBackoffMin() {
        return reconnectBackoffMin;
    }

    public Duration reconnectBackoffMax() {
        return reconnectBackoffMax;
    }

    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * How long a running replication stream may stay silent (no data, no keepalive) before the
     * connection is presumed dead (half-open) and closed; {@code null} (the default) means twice the
     * server's {@code wal_sender_timeout}, {@link Duration#ZERO} turns the check off. Not checked while paused.
     */
    public Duration silenceTimeout() {
        return silenceTimeout;
    }

    /**
     * The least time between two socket reads of a running stream (default 1 ms): bytes that arrive in
     * between are read together. A busy stream then wakes the connection's thread about once per interval
     * instead of once per TCP segment, which saves the client CPU per message and the walsender the
     * wake-ups; a message may wait up to the interval longer. {@link Duration#ZERO} reads as soon as bytes
     * arrive. Queries and startup always read at once.
     */
    public Duration minReadInterval() {
        return minReadInterval;
    }

    /** Extra startup parameters; {@code replication} here overrides the default {@code database}. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /** A shared event loop group, or {@code null} for a thread of the connection's own. */
    public EventLoopGroup eventLoopGroup() {
        return eventLoopGroup;
    }

    /** The same settings, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.host = host;
        b.port = port;
        b.database = database;
        b.user = user;
        b.password = password;
        b.sslMode = sslMode;
        b.sslRootCert = sslRootCert;
        b.sslCert = sslCert;
        b.sslKey = sslKey;
        b.channelBinding = channelBinding;
        b.requireAuth = requireAuth;
        b.applicationName = applicationName;
        b.connectTimeout = connectTimeout;
        b.queryTimeout = queryTimeout;
        b.callTimeout = callTimeout;
        b.syncConnect = syncConnect;
        b.autoReconnect = autoReconnect;
        b.reconnectBackoffMin = reconnectBackoffMin;
        b.reconnectBackoffMax = reconnectBackoffMax;
        b.maxMessageSize = maxMessageSize;
        b.silenceTimeout = silenceTimeout;
        b.minReadInterval = minReadInterval;
        b.parameters.putAll(parameters);
        b.eventLoopGroup = eventLoopGroup;
        return b;
    }

    @Override
    public String toString() {
        return "ConnectionConfig[name=" + name + ", host=" + host + ", port=" + port + ", database=" + database
                + ", user=" + user + ", password=" + (password == null ? "<none>" : "<hidden>")
                + ", sslMode=" + sslMode.value() + ", autoReconnect=" + autoReconnect + "]";
    }

    /** Builds a {@link ConnectionConfig}; only {@code user} is required. */
    public static final class Builder {
        private String name = "pgrepl";
        private String host = "localhost";
        private int port = DEFAULT_PORT;
        private String database;
        private String user;
        private String password;
        /** {@code null} until set: prefer, or verify-full with sslrootcert=system. */
        private SslMode sslMode;
        private Path sslRootCert;
        private Path sslCert;
        private Path sslKey;
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
        private final Map<String, String> parameters = new LinkedHashMap<>();
        private EventLoopGroup eventLoopGroup;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = requireText(name, "name");
            return this;
        }

        public Builder host(String host) {
            this.host = requireText(host, "host");
            return this;
        }

        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
            }
            this.port = port;
            return this;
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
                throw new IllegalArgumentException("reconnect backoff max (" + max + ") must not be below min (" + min + ")");
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
                throw new IllegalArgumentException("silenceTimeout must not be negative, was " + silenceTimeout);
            }
            this.silenceTimeout = silenceTimeout;
            return this;
        }

        /** See {@link ConnectionConfig#minReadInterval()}: 0 to 1 s. */
        public Builder minReadInterval(Duration minReadInterval) {
            if (minReadInterval == null || minReadInterval.isNegative() || minReadInterval.compareTo(MAX_MIN_READ_INTERVAL) > 0) {
                throw new IllegalArgumentException("minReadInterval must be between 0 (read at once) and " + MAX_MIN_READ_INTERVAL
                        + ", was " + minReadInterval + "; the default is " + DEFAULT_MIN_READ_INTERVAL);
            }
            this.minReadInterval = minReadInterval;
            return this;
        }

        /** A startup parameter (a GUC such as {@code DateStyle}, or {@code replication}). */
        public Builder parameter(String name, String value) {
            parameters.put(requireText(name, "parameter name"), Objects.requireNonNull(value, "parameter value"));
            return this;
        }

        /** Run the connection on this group (not owned: closing the connection leaves it running). */
        public Builder eventLoopGroup(EventLoopGroup eventLoopGroup) {
            this.eventLoopGroup = eventLoopGroup;
            return this;
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
                throw new IllegalArgumentException(what + " must be a positive duration, was " + value);
            }
            return value;
        }
    }

    /** Parses libpq and pgjdbc URLs; every message masks the password. */
    private static final class ConnectionUrl {

        static Builder parse(String url) {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("The connection URL is empty: expected postgresql://user@host:5432/db");
            }
            String rest = url.trim();
            boolean jdbc = rest.regionMatches(true, 0, "jdbc:", 0, 5);
            if (jdbc) {
                rest = rest.substring(5);
            }
            int schemeEnd = rest.indexOf("://");
            String scheme = schemeEnd < 0 ? "" : rest.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
            if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
                throw invalid(url, "it must start with postgresql:// or jdbc:postgresql://");
            }
            rest = rest.substring(schemeEnd + 3);

            String query = null;
            int questionMark = rest.indexOf('?');
            if (questionMark >= 0) {
                query = rest.substring(questionMark + 1);
                rest = rest.substring(0, questionMark);
            }
            String path = null;
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                path = rest.substring(slash + 1);
                rest = rest.substring(0, slash);
            }
            Builder builder = ConnectionConfig.builder();
            int at = rest.lastIndexOf('@');
            if (at >= 0) {
                String userInfo = rest.substring(0, at);
                rest = rest.substring(at + 1);
                int colon = userInfo.indexOf(':');
                String user = decode(url, colon < 0 ? userInfo : userInfo.substring(0, colon));
                if (!user.isEmpty()) {
                    builder.user(user);
                }
                if (colon >= 0) {
                    builder.password(decode(url, userInfo.substring(colon + 1)));
                }
            }
            parseHostPort(url, rest, builder);
            if (path != null && !path.isEmpty()) {
                builder.database(decode(url, path));
            }
            if (query != null && !query.isEmpty()) {
                applyParameters(url, query, builder);
            }
            return builder;
        }

        private static void parseHostPort(String url, String hostPort, Builder builder) {
            if (hostPort.contains(",")) {
                throw invalid(url, "several hosts are not supported; give one host (use one connection per host)");
            }
            String host = hostPort;
            String port = null;
            if (hostPort.startsWith("[")) {
                int close = hostPort.indexOf(']');
                if (close < 0) {
                    throw invalid(url, "an IPv6 address must be closed with ']'");
                }
                host = hostPort.substring(1, close);
                String after = hostPort.substring(close + 1);
                if (after.startsWith(":")) {
                    port = after.substring(1);
                } else if (!after.isEmpty()) {
                    throw invalid(url, "unexpected '" + after + "' after the IPv6 address");
                }
            } else {
                int colon = hostPort.lastIndexOf(':');
                if (colon >= 0) {
                    host = hostPort.substring(0, colon);
                    port = hostPort.substring(colon + 1);
                }
            }
            if (!host.isEmpty()) {
                builder.host(decode(url, host));
            }
            if (port != null) {
                builder.port(parsePort(url, port));
            }
        }

        private static int parsePort(String url, String port) {
            try {
                int value = Integer.parseInt(port);
                if (value >= 1 && value <= 65535) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw invalid(url, "the port '" + port + "' is not a number from 1 to 65535");
        }

        private static void applyParameters(String url, String query, Builder builder) {
            SslMode sslMode = null;
            boolean ssl = false;
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(url, eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(url, pair.substring(eq + 1));
                try {
                    switch (key) {
                        case "user" -> builder.user(value);
                        case "password" -> builder.password(value);
                        case "sslmode" -> sslMode = SslMode.parse(value);
                        case "ssl" -> ssl = value.isEmpty() || Boolean.parseBoolean(value);
                        case "sslrootcert" -> builder.sslRootCert(Path.of(value));
                        case "sslcert" -> builder.sslCert(Path.of(value));
                        case "sslkey" -> builder.sslKey(Path.of(value));
                        case "channel_binding", "channelBinding" -> builder.channelBinding(ChannelBinding.parse(value));
                        case "require_auth" -> builder.requireAuth(value);
                        case "application_name", "ApplicationName" -> builder.applicationName(value);
                        case "connect_timeout", "connectTimeout" -> builder.connectTimeout(Duration.ofSeconds(Long.parseLong(value)));
                        case "dbname" -> builder.database(value);
                        case "host" -> builder.host(value);
                        case "port" -> builder.port(parsePort(url, value));
                        case "options", "replication" -> builder.parameter(key, value);
                        default -> throw new IllegalArgumentException("unknown parameter '" + key + "'; supported: user, password,"
                                + " sslmode, ssl, sslrootcert, sslcert, sslkey, channel_binding, require_auth, application_name,"
                                + " connect_timeout, dbname, host, port, options, replication");
                    }
                } catch (NumberFormatException e) {
                    throw invalid(url, "parameter '" + key + "' must be a whole number of seconds, was '" + value + "'");
                } catch (IllegalArgumentException e) {
                    throw invalid(url, e.getMessage());
                }
            }
            if (sslMode != null) {
                builder.sslMode(sslMode);
            } else if (ssl) {
                builder.sslMode(SslMode.VERIFY_FULL); // pgjdbc's meaning of ssl=true
            }
        }

        private static String decode(String url, String text) {
            try {
                return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw invalid(url, "it has a malformed %-escape");
            }
        }

        private static IllegalArgumentException invalid(String url, String why) {
            return new IllegalArgumentException("Invalid connection URL '" + mask(url) + "': " + why);
        }

        /** The URL with any password replaced, for messages. */
        static String mask(String url) {
            String masked = url.replaceAll("(?i)(password=)[^&]*", "$1****");
            int scheme = masked.indexOf("://");
            int at = masked.lastIndexOf('@');
            int slash = scheme < 0 ? -1 : masked.indexOf('/', scheme + 3);
            if (scheme >= 0 && at > scheme && (slash < 0 || at < slash)) {
                int colon = masked.indexOf(':', scheme + 3);
                if (colon >= 0 && colon < at) {
                    masked = masked.substring(0, colon + 1) + "****" + masked.substring(at);
                }
            }
            return masked;
        }
    }
}
