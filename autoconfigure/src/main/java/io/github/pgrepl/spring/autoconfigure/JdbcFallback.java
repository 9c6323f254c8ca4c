package io.github.pgrepl.spring.autoconfigure;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;

/**
 * Spring Boot's {@link JdbcConnectionDetails} as the fallback of connections without a URL: {@code spring.datasource.*},
 * or whatever service connection (Testcontainers, Docker Compose) Boot gives the application's database. Apart from
 * {@link ConnectionTargets} so that spring-boot-jdbc is loaded only when it is on the classpath.
 */
final class JdbcFallback {

    private JdbcFallback() {
    }

    /** The application's JDBC connection details, or {@code null} when there are none (no JDBC auto-configuration). */
    static ConnectionTargets.Fallback from(ListableBeanFactory beanFactory) {
        JdbcConnectionDetails details = beanFactory.getBeanProvider(JdbcConnectionDetails.class).getIfUnique();
        if (details == null) {
            return null;
        }
        String url;
        try {
            url = details.getJdbcUrl();
        } catch (RuntimeException e) {
            return null; // no spring.datasource.url, and no embedded database to stand in for one
        }
        String source = details.getClass().getSimpleName().startsWith("Properties") ? "spring.datasource.url"
                : "the JdbcConnectionDetails of the application's database (" + details.getClass().getSimpleName() + ")";
        return new ConnectionTargets.Fallback(url, source, details.getUsername(), details.getPassword());
    }
}
