package dev.tablease.stress.bench;

import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;

import java.util.concurrent.atomic.AtomicLong;

/** Anchor (c): Apache Commons Pool2's {@code GenericKeyedObjectPool} with {@code maxTotalPerKey} 3 and {@code maxTotal} 8. */
public final class CommonsPool2Anchor implements AutoCloseable {

    /** A pooled resource. */
    public static final class Tab {
        final String key;
        final long id;

        Tab(String key, long id) {
            this.key = key;
            this.id = id;
        }

        public long id() {
            return id;
        }
    }

    private final GenericKeyedObjectPool<String, Tab> pool;

    public CommonsPool2Anchor() {
        GenericKeyedObjectPoolConfig<Tab> c = new GenericKeyedObjectPoolConfig<>();
        c.setMaxTotalPerKey(Workload.MAX_PER_KEY);
        c.setMaxIdlePerKey(Workload.MAX_PER_KEY);
        c.setMaxTotal(Workload.GLOBAL_MAX);
        c.setBlockWhenExhausted(true);
        c.setJmxEnabled(false);
        AtomicLong ids = new AtomicLong(1);
        pool = new GenericKeyedObjectPool<>(new BaseKeyedPooledObjectFactory<String, Tab>() {
            @Override
            public Tab create(String key) {
                return new Tab(key, ids.getAndIncrement());
            }

            @Override
            public PooledObject<Tab> wrap(Tab tab) {
                return new DefaultPooledObject<>(tab);
            }
        }, c);
    }

    public Tab acquire(String key) throws Exception {
        return pool.borrowObject(key);
    }

    public void release(Tab t) {
        pool.returnObject(t.key, t);
    }

    @Override
    public void close() {
        pool.close();
    }
}
