package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.spring.listener.ReplicationListenerBindingException;
import io.github.pgrepl.spring.listener.ReplicationListenerBindingException.Problem;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.Ordered;
import org.springframework.util.StringValueResolver;

/**
 * Finds {@link ReplicationListener}s on beans (on their types and methods) and, once all singletons exist, hands them
 * to the {@link ReplicationListenerRegistrar}. Looking the registrar up only then keeps this post-processor free of
 * dependencies, so that it processes every bean (including the registrar's own dependencies).
 */
public class ReplicationListenerBeanPostProcessor implements BeanPostProcessor, SmartInitializingSingleton, BeanFactoryAware,
        Ordered {

    private static final Logger log = LoggerFactory.getLogger(ReplicationListenerBeanPostProcessor.class);

    private final List<ReplicationListenerEndpoint> endpoints = new ArrayList<>();
    private final Set<Class<?>> withoutListeners = ConcurrentHashMap.newKeySet();
    private BeanFactory beanFactory;
    private StringValueResolver placeholders;
    private volatile boolean registered;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
        if (beanFactory instanceof ConfigurableBeanFactory configurable) {
            this.placeholders = configurable::resolveEmbeddedValue;
        }
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> type = AopUtils.getTargetClass(bean);
        if (withoutListeners.contains(type)) {
            return bean;
        }
        List<ReplicationListenerEndpoint> found;
        try {
            found = ReplicationListenerEndpoints.of(bean, beanName, placeholders);
        } catch (IllegalArgumentException e) {
            throw new ReplicationListenerBindingException(List.of(new Problem(e.getMessage(),
                    "Fix the @ReplicationListener of bean '" + beanName + "' as described.")));
        }
        if (found.isEmpty()) {
            withoutListeners.add(type);
        } else if (registered) {
            log.warn("Bean '{}' has @ReplicationListener {} but was created after the listeners were bound (a lazy or"
                    + " prototype bean); they receive nothing. Make the bean an eagerly created singleton", beanName, found);
        } else {
            synchronized (endpoints) {
                endpoints.addAll(found);
            }
        }
        return bean;
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<ReplicationListenerEndpoint> all;
        synchronized (endpoints) {
            all = List.copyOf(endpoints);
        }
        registered = true;
        beanFactory.getBean(ReplicationListenerRegistrar.class).registerListeners(all);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // see the bean after every other post-processor, proxies included
    }
}
