package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ChannelBinding;
import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.util.ClassUtils;

/**
 * Where each connection connects, and as whom. In this order:
 * <ol>
 * <li>a {@link ReplicationConnectionDetails} bean qualified with the connection's name (its {@code @Qualifier}, or its
 * bean name), which wins over the connection's properties;</li>
 * <li>the connection's {@code url}, {@code username} and {@code password};</li>
 * <li>the one {@link ReplicationConnectionDetails} bean qualified for no configured connection (a
 * {@code @ServiceConnection} container, a Docker Compose service);</li>
 * <li>Spring Boot's {@code JdbcConnectionDetails}: {@code spring.datasource.*}, or a service connection of the
 * application's database.</li>
 * </ol>
 * A connection whose {@code url} is set still takes the user name (and, for that user, the password) of the last two
 * when neither its properties nor its URL name one.
 */
final class ConnectionTargets {

    static final String JDBC_CONNECTION_DETAILS = "org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails";
    private static final String URL_FORM = "postgresql://host:5432/database or jdbc:postgresql://host:5432/database";

    /**
     * Where a connection connects.
     *
     * @param url a {@code postgresql://} or {@code jdbc:postgresql://} URL
     * @param source what the URL comes from, for messages (never the URL itself: it may hold a password)
     * @param username the user name to set, or {@code null} for the URL's
     * @param password the password to set, or {@code null} for the URL's
     */
    record Target(String url, String source, String username, String password) {

        @Override
        public String toString() {
            return "Target[" + source + ", username=" + username + ", password=" + (password == null ? "<none>" : "<hidden>") + "]";
        }
    }

    /** Connection details from something other than a connection's own properties. */
    record Fallback(String url, String source, String username, String password) {

        @Override
        public String toString() {
            return "Fallback[" + source + ", username=" + username + "]";
        }
    }

    private final Map<String, ReplicationConnectionDetails> own;
    private final Fallback fallback;

    private ConnectionTargets(Map<String, ReplicationConnectionDetails> own, Fallback fallback) {
        this.own = own;
        this.fallback = fallback;
    }

    /**
     * @param connectionNames every configured connection: a details bean qualified with one of them is that connection's
     *     alone
     * @throws InvalidReplicationPropertyException when several details beans could be every connection's
     */
    static ConnectionTargets from(ListableBeanFactory beanFactory, Collection<String> connectionNames) {
        Map<String, ReplicationConnectionDetails> beans = beanFactory.getBeansOfType(ReplicationConnectionDetails.class);
        Map<String, ReplicationConnectionDetails> own = new LinkedHashMap<>();
        List<String> shared = new ArrayList<>();
        for (Map.Entry<String, ReplicationConnectionDetails> bean : beans.entrySet()) {
            String qualified = null;
            for (String name : connectionNames) {
                if (BeanFactoryAnnotationUtils.isQualifierMatch(name::equals, bean.getKey(), beanFactory)) {
                    qualified = name;
                    break;
                }
            }
            if (qualified == null) {
                shared.add(bean.getKey());
            } else if (own.putIfAbsent(qualified, bean.getValue()) != null) {
                throw new InvalidReplicationPropertyException("pgrepl.connections." + qualified, "has more than one"
                        + " ReplicationConnectionDetails bean qualified '" + qualified + "'", "Keep one bean qualified '"
                        + qualified + "' (@Qualifier(\"" + qualified + "\"), or a bean of that name).");
            }
        }
        if (shared.size() > 1) {
            throw new InvalidReplicationPropertyException("pgrepl.connections", "could fall back on any of the"
                    + " ReplicationConnectionDetails beans " + shared + ", which are qualified for no configured connection",
                    "Qualify each with the name of the connection it is for (@Qualifier(\"<name>\")), or keep one.");
        }
        Fallback fallback = shared.isEmpty() ? jdbc(beanFactory) : fromDetails(beans.get(shared.get(0)), "the"
                + " ReplicationConnectionDetails bean '" + shared.get(0) + "' (a service connection)");
        return new ConnectionTargets(own, fallback);
    }

    /** For tests and for users of the registry without a bean factory: the properties alone, then {@code fallback}. */
    static ConnectionTargets of(Fallback fallback) {
        return new ConnectionTargets(Map.of(), fallback);
    }

    private static Fallback jdbc(ListableBeanFactory beanFactory) {
        ClassLoader classLoader = ConnectionTargets.class.getClassLoader();
        return ClassUtils.isPresent(JDBC_CONNECTION_DETAILS, classLoader) ? JdbcFallback.from(beanFactory) : null;
    }

    static Fallback fromDetails(ReplicationConnectionDetails details, String source) {
        return new Fallback(details.getUrl(), source, details.getUsername(), details.getPassword());
    }

    /** The details bean that wins over the properties of connection {@code name}, if any. */
    boolean hasOwnDetails(String name) {
        return own.containsKey(name);
    }

    Target target(String name, PgReplProperties.Connection connection) {
        String urlProperty = PropertiesValidation.property(name, "url");
        ReplicationConnectionDetails details = own.get(name);
        if (details != null) {
            return new Target(details.getUrl(), "the URL of the ReplicationConnectionDetails bean qualified '" + name + "'",
                    details.getUsername(), details.getPassword());
        }
        String url;
        String source;
        if (connection.url() != null) {
            if (connection.url().isBlank()) {
                throw new InvalidReplicationPropertyException(urlProperty, "is empty", "Set it to " + URL_FORM + ".");
            }
            url = connection.url();
            source = urlProperty;
        } else if (fallback != null) {
            url = fallback.url();
            source = fallback.source() + " (the default of " + urlProperty + ")";
        } else {
            throw new InvalidReplicationPropertyException(urlProperty, "is not set, and there is nothing to fall back on:"
                    + " no service connection (a ReplicationConnectionDetails bean, e.g. from @ServiceConnection or Docker"
                    + " Compose) and no spring.datasource.url (JdbcConnectionDetails)", "Set " + urlProperty + " to "
                    + URL_FORM + ", or configure spring.datasource.* (with spring-boot-starter-jdbc).");
        }
        UrlUser fromUrl = UrlUser.of(url);
        String username = connection.username();
        String password = connection.password();
        if (username == null && fromUrl.user() == null && fallback != null) {
            username = fallback.username(); // then the password is the fallback's too, below
        }
        if (password == null && fromUrl.password() == null && fallback != null && fallback.username() != null
                && Objects.equals(username != null ? username : fromUrl.user(), fallback.username())) {
            password = fallback.password(); // only for the role it belongs to
        }
        return new Target(url, source, username, password);
    }

    /**
     * The user and password a URL names. Read by building a configuration of the URL alone, with the settings that
     * could conflict (TLS, authentication) set to ones that cannot: then only a missing user fails the build.
     */
    private record UrlUser(String user, String password) {

        static UrlUser of(String url) {
            try {
                ConnectionConfig config = ConnectionConfig.fromUrl(url).sslMode(SslMode.VERIFY_FULL)
                        .channelBinding(ChannelBinding.PREFER).requireAuth(null).build();
                return new UrlUser(config.user(), config.password());
            } catch (IllegalArgumentException e) {
                return new UrlUser(null, null); // no user, or a malformed URL: reported when the connection is built
            }
        }
    }
}
