package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import java.util.Map;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a {@code <name>ReplicationConnection} bean for each configured connection, unless a bean of that name
 * exists. The instances come from the {@link ReplicationConnectionRegistry}, which owns them: the bean definitions
 * have no destroy method of their own.
 */
class ReplicationConnectionBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

    static final String BEAN_NAME_SUFFIX = "ReplicationConnection";

    private Environment environment;
    private BeanFactory beanFactory;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        // Only the names: values are bound, and checked, with the registry bean.
        Map<String, Object> connections = Binder.get(environment)
                .bind("pgrepl.connections", Bindable.mapOf(String.class, Object.class)).orElse(Map.of());
        for (String name : connections.keySet()) {
            String beanName = name + BEAN_NAME_SUFFIX;
            if (!registry.containsBeanDefinition(beanName)) {
                RootBeanDefinition definition = new RootBeanDefinition(ReplicationConnection.class,
                        () -> beanFactory.getBean(ReplicationConnectionRegistry.class).connection(name).connection());
                definition.setDestroyMethodName(""); // the registry closes it, gracefully and in its lifecycle phase
                registry.registerBeanDefinition(beanName, definition);
            }
        }
    }
}
