package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.spring.autoconfigure.internal.ConnectionPropertiesCheck;
import io.github.pgrepl.spring.connection.ReplicationAvailability;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.time.Clock;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.thread.Threading;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.task.VirtualThreadTaskExecutor;

/**
 * One {@link ReplicationConnection} bean per entry under {@code pgrepl.connections} (named
 * {@code <name>ReplicationConnection}), owned and started by a {@link ReplicationConnectionRegistry}, and consumed by
 * its {@code @ReplicationListener}s (see
 * {@link io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration}).
 *
 * <p>What the properties do not say comes from the application's beans: where connections connect
 * ({@link ReplicationConnectionDetails}, Spring Boot's {@code JdbcConnectionDetails}), its SSL bundles,
 * {@link ReplicationConnectionCustomizer}s and {@link PgOutputHandlerCustomizer}s, the event loop group named
 * {@value #EVENT_LOOP_GROUP_BEAN} (one is made with {@code pgrepl.event-loop.shared=true}), and listener threads that
 * are virtual when {@code spring.threads.virtual.enabled} is.
 */
// After the availability bean: it must take Boot's own availability events before ReplicationAvailability answers them.
@AutoConfiguration(afterName = { "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration",
        "org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration" })
@ConditionalOnClass(ReplicationConnection.class)
@EnableConfigurationProperties({ PgReplProperties.class, EventLoopProperties.class })
@Import(ReplicationConnectionBeanRegistrar.class)
public class PgReplAutoConfiguration {

    /** The name of the event loop group every connection runs on, when there is one. */
    public static final String EVENT_LOOP_GROUP_BEAN = "pgreplEventLoopGroup";

    @Bean
    @ConditionalOnMissingBean
    public ReplicationConnectionRegistry replicationConnectionRegistry(
            PgReplProperties properties, Environment environment, ListableBeanFactory beanFactory,
            ObjectProvider<SslBundles> sslBundles, ObjectProvider<ReplicationConnectionCustomizer> connectionCustomizers,
            ObjectProvider<PgOutputHandlerCustomizer> handlerCustomizers,
            @Qualifier(EVENT_LOOP_GROUP_BEAN) ObjectProvider<EventLoopGroup> eventLoopGroup,
            ObjectProvider<ObservationRegistry> observations, ObjectProvider<LifecycleProperties> lifecycle) {
        ConnectionPropertiesCheck.check(environment, PgReplProperties.Connection.class); // keys the binder ignored, durations it read as milliseconds
        ConnectionTargets targets = ConnectionTargets.from(beanFactory, properties.connections().keySet());
        ConnectionSettingsFactory.Collaborators collaborators = new ConnectionSettingsFactory.Collaborators(
                sslBundles.getIfAvailable(), connectionCustomizers.orderedStream().toList(),
                handlerCustomizers.orderedStream().toList(), eventLoopGroup.getIfUnique(), listenerThreads(environment));
        ConnectionSettingsFactory settings = new ConnectionSettingsFactory(targets,
                lifecycle.getIfAvailable(LifecycleProperties::new).getTimeoutPerShutdownPhase(), collaborators);
        return new ReplicationConnectionRegistry(settings.create(properties), Clock.systemUTC(),
                observations.getIfUnique(() -> ObservationRegistry.NOOP));
    }

    /** Connections with {@code availability=readiness|liveness} that stop for good change the application's availability. */
    @Bean
    @ConditionalOnMissingBean
    public ReplicationAvailability replicationAvailability(ReplicationConnectionRegistry registry,
                                                           ApplicationEventPublisher publisher) {
        return new ReplicationAvailability(registry, publisher);
    }

    /** One event loop group for every connection, instead of a thread of its own each. */
    @Bean(name = EVENT_LOOP_GROUP_BEAN, destroyMethod = "shutdownGracefully")
    @ConditionalOnBooleanProperty("pgrepl.event-loop.shared")
    @ConditionalOnMissingBean(name = EVENT_LOOP_GROUP_BEAN)
    public EventLoopGroup pgreplEventLoopGroup(EventLoopProperties eventLoop) {
        return new MultiThreadIoEventLoopGroup(eventLoop.threads(), new DefaultThreadFactory("pgrepl-event-loop"),
                NioIoHandler.newFactory());
    }

    /**
     * Virtual listener threads when {@code spring.threads.virtual.enabled} (on Java 21+), else the core's platform
     * threads; either is named {@code pgrepl-<name>-listener}.
     */
    static Function<String, ThreadFactory> listenerThreads(Environment environment) {
        if (Threading.VIRTUAL.isActive(environment)) {
            return name -> {
                String threadName = "pgrepl-" + name + "-listener";
                ThreadFactory virtual = new VirtualThreadTaskExecutor(threadName).getVirtualThreadFactory();
                return task -> {
                    Thread thread = virtual.newThread(task);
                    thread.setName(threadName); // the executor numbers its threads; a connection has one at a time
                    return thread;
                };
            };
        }
        return name -> null;
    }
}
