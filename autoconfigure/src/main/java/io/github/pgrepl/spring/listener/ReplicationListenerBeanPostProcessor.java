package io.github.pgrepl.spring.listener;

import java.util.ArrayList;
import java.util.List;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Finds beans annotated with {@link ReplicationListener} and, once all singletons exist, hands them to the
 * {@link ReplicationListenerRegistrar}. Looking the registrar up only then keeps this post-processor free of
 * dependencies, so that it processes every bean (including the registrar's own dependencies).
 */
public class ReplicationListenerBeanPostProcessor implements BeanPostProcessor, SmartInitializingSingleton, BeanFactoryAware,
        Ordered {

    private final List<ReplicationListenerEndpoint> endpoints = new ArrayList<>();
    private BeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        ReplicationListener annotation = AnnotatedElementUtils.findMergedAnnotation(AopUtils.getTargetClass(bean),
                ReplicationListener.class);
        if (annotation != null) {
            synchronized (endpoints) {
                endpoints.add(new ReplicationListenerEndpoint(annotation.value(), beanName, bean));
            }
        }
        return bean;
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<ReplicationListenerEndpoint> found;
        synchronized (endpoints) {
            found = List.copyOf(endpoints);
        }
        beanFactory.getBean(ReplicationListenerRegistrar.class).registerListeners(found);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // see the bean after every other post-processor, proxies included
    }
}
