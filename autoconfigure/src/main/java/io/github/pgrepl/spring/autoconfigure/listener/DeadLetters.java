package io.github.pgrepl.spring.autoconfigure.listener;

import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.github.pgrepl.spring.listener.error.ChangeRecoverer;
import io.github.pgrepl.spring.listener.error.DeadLetterRecoverer;

import javax.sql.DataSource;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.jdbc.core.simple.JdbcClient;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dead-letter recoverer from the application's beans: its {@link JdbcClient} (or one over its {@link DataSource})
 * and its JSON mapper. Apart from {@link ReplicationErrorHandlers} so that JDBC and Jackson are loaded only when a
 * connection asks for dead letters.
 */
final class DeadLetters {

    private DeadLetters() {
    }

    static ChangeRecoverer recoverer(ListableBeanFactory beanFactory, String table, String property) {
        JdbcClient jdbc;
        try {
            jdbc = beanFactory.getBeanProvider(JdbcClient.class)
                    .getIfAvailable(() -> JdbcClient.create(beanFactory.getBean(DataSource.class)));
        } catch (NoSuchBeanDefinitionException e) {
            throw new InvalidReplicationPropertyException(property, "is dead-letter, which writes to table " + table
                    + " through the application's DataSource, but there is no DataSource bean (" + e.getMessage() + ")",
                    "Configure spring.datasource.* (with spring-boot-starter-jdbc), or define a ReplicationErrorHandler bean"
                            + " with a DeadLetterRecoverer over a JdbcClient of your own.");
        }
        ObjectMapper json = beanFactory.getBeanProvider(ObjectMapper.class).getIfAvailable(JsonMapper::shared);
        return new DeadLetterRecoverer(jdbc, json, table);
    }
}
