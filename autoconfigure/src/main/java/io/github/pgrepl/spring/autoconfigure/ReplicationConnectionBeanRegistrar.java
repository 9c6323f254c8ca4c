package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import java.util.Map;

import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a {@code <name>ReplicationConnection} bean for each configured connection. The instances come from the
 * {@link ReplicationConnectionRegistry}, which owns them: the bean definitions have no destroy method of their own.
 * Each definition names a static factory method and the connection's name, so that Spring AOT can generate it.
 *
 * <p>A bean of that name defined by the application would mean two connections for one name (the registry's, which
 * streams, and the application's): it is refused, naming both ways out.
 */
public class ReplicationConnectionBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

    static final String BEAN_NAME_SUFFIX = "ReplicationConnection";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        // Only the names: values are bound, and checked, with the registry bean.
        Map<String, Object> connections = Binder.get(environment)
                .bind("pgrepl.connections", Bindable.mapOf(String.class, Object.class)).orElse(Map.of());
        for (String name : connections.keySet()) {
            String beanName = name + BEAN_NAME_SUFFIX;
            if (registry.containsBeanDefinition(beanName)) {
                throw conflict(name, beanName, registry.getBeanDefinition(beanName));
            }
            RootBeanDefinition definition = new RootBeanDefinition(ReplicationConnectionBeanRegistrar.class);
            definition.setFactoryMethodName("replicationConnection");
            definition.setTargetType(ReplicationConnection.class);
            definition.getConstructorArgumentValues().addIndexedArgumentValue(0, name);
            definition.setAutowireMode(AutowireCapableBeanFactory.AUTOWIRE_CONSTRUCTOR); // the registry, by type
            // The registry closes it, gracefully and in its lifecycle phase. (Spring AOT drops an empty destroy method and
            // infers close() instead; it then runs after the registry's graceful close, and does nothing: it is idempotent.)
            definition.setDestroyMethodName("");
            registry.registerBeanDefinition(beanName, definition);
        }
    }

    /**
     * The connection named {@code name}: the factory method of the {@code <name>ReplicationConnection} beans.
     *
     * @param registry the registry that owns the connection
     */
    public static ReplicationConnection replicationConnection(String name, ReplicationConnectionRegistry registry) {
        return registry.connection(name).connection();
    }

    private static InvalidReplicationPropertyException conflict(String name, String beanName, BeanDefinition definition) {
        String source = definition.getResourceDescription() != null ? " (" + definition.getResourceDescription() + ")" : "";
        return new InvalidReplicationPropertyException("pgrepl.connections." + name, "configures connection '" + name
                + "', whose bean is '" + beanName + "', but the application defines a bean of that name" + source
                + ": that would be two connections for one name",
                "Remove the bean and inject the configured connection by that name (pgrepl builds it from the properties),"
                        + " or remove the pgrepl.connections." + name + ".* properties and manage your connection yourself.");
    }
}
