package dev.twoway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples this JVM every 100 ms while a phase runs: used heap (including garbage not yet collected) and the process's
 * resident set; and after every garbage collection the heap still used (what survived: an upper bound of the live
 * data at that moment — after a young collection it includes the garbage already promoted to the old generation, which
 * only a mixed or full collection frees). At the end, with the engine still open, a full collection gives the heap
 * the engine really retains.
 */
final class MemorySampler {
    /** @param retainedMb heap in use right after a full collection at the end of the phase (the engine still open) */
    record Peak(long heapMb, long liveMb, long rssMb, long retainedMb) {
    }

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong heap = new AtomicLong();
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong rss = new AtomicLong();
    private Thread thread;

    private final javax.management.NotificationListener afterGc = (n, h) -> {
        if (!n.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) return;
        var info = com.sun.management.GarbageCollectionNotificationInfo.from((javax.management.openmbean.CompositeData) n.getUserData());
        long used = 0;
        for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools().contains(e.getKey())) used += e.getValue().getUsed();
        }
        live.accumulateAndGet(used, Math::max);
    };

    static MemorySampler start() {
        MemorySampler s = new MemorySampler();
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((javax.management.NotificationEmitter) gc).addNotificationListener(s.afterGc, null, null);
        }
        s.thread = Thread.ofPlatform().daemon().start(s::run);
        return s;
    }

    private static java.util.Set<String> heapPools() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) names.add(p.getName());
        return names;
    }

    private void run() {
        while (!stop.get()) {
            sample();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        heap.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
        rss.accumulateAndGet(rssBytes(), Math::max);
    }

    Peak stop() throws InterruptedException {
        stop.set(true);
        thread.join();
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            try {
                ((javax.management.NotificationEmitter) gc).removeNotificationListener(afterGc);
            } catch (javax.management.ListenerNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        sample();
        System.gc(); // a full collection with G1's defaults: what is left is what the open engine holds
        long retained = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new Peak(heap.get() >> 20, live.get() >> 20, rss.get() >> 20, retained >> 20);
    }

    private static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
