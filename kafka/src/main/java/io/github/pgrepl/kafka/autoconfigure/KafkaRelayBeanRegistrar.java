package io.github.pgrepl.kafka.autoconfigure;

import io.github.pgrepl.kafka.KafkaRelay;

import java.util.Map;

import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a {@code <name>KafkaRelay} bean for each connection with {@code pgrepl.connections.<name>.kafka.enabled=true}.
 * Each definition names a static factory method and the connection's name, so that Spring AOT can generate it; the
 * {@link KafkaRelayFactory} builds the relay (and owns its producer). The listener model finds the relay as a
 * connection listener of its connection.
 */
public class KafkaRelayBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

    static final String BEAN_NAME_SUFFIX = "KafkaRelay";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        Binder binder = Binder.get(environment);
        Map<String, Object> connections = binder.bind("pgrepl.connections", Bindable.mapOf(String.class, Object.class))
                .orElse(Map.of());
        for (String name : connections.keySet()) {
            boolean enabled = binder.bind("pgrepl.connections." + name + ".kafka.enabled", Boolean.class).orElse(false);
            if (!enabled) {
                continue;
            }
            RootBeanDefinition definition = new RootBeanDefinition(KafkaRelayBeanRegistrar.class);
            definition.setFactoryMethodName("kafkaRelay");
            definition.setTargetType(KafkaRelay.class);
            definition.getConstructorArgumentValues().addIndexedArgumentValue(0, name);
            definition.setAutowireMode(AutowireCapableBeanFactory.AUTOWIRE_CONSTRUCTOR); // the factory, by type
            definition.setDestroyMethodName("close");
            registry.registerBeanDefinition(name + BEAN_NAME_SUFFIX, definition);
        }
    }

    /** The factory method of the {@code <name>KafkaRelay} beans. */
    public static KafkaRelay kafkaRelay(String name, KafkaRelayFactory factory) {
        return factory.create(name);
    }
}
