package io.github.pgrepl.spring.autoconfigure;

import org.springframework.core.env.Environment;

/**
 * {@code spring.datasource.url}, {@code username} and {@code password}: where a connection without a URL of its own
 * connects. Read from the environment, so that no JDBC module is needed.
 */
record DataSourceFallback(String url, String username, String password) {

    static DataSourceFallback from(Environment environment) {
        return new DataSourceFallback(environment.getProperty("spring.datasource.url"),
                environment.getProperty("spring.datasource.username"), environment.getProperty("spring.datasource.password"));
    }

    @Override
    public String toString() {
        return "DataSourceFallback[url=" + (url == null ? null : "<set>") + ", username=" + username + ", password="
                + (password == null ? "<none>" : "<hidden>") + "]";
    }
}
