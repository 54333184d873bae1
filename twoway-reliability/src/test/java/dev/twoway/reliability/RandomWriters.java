package dev.twoway.reliability;

import dev.twoway.reliability.ShopAndErp.Customer;
import dev.twoway.reliability.ShopAndErp.Side;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One writer thread per side making random inserts (fresh emails), updates of one field of a live customer (often
 * one the other side edits too: conflicts) and deletes, each in its own transaction, recorded in the {@link Ledger}
 * once committed. Writers talk to the databases directly, never through a proxy: an outage cuts twoway off, not them.
 */
final class RandomWriters implements AutoCloseable {
    private static final AtomicLong EMAILS = new AtomicLong();
    private final ShopAndErp dbs;
    private final Ledger ledger;
    private final long pauseMillis;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong contended = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    /** Each write holds it shared; {@link #pause()} takes it exclusively, so no write is in flight while paused. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock gate = new java.util.concurrent.locks.ReentrantReadWriteLock();

    RandomWriters(ShopAndErp dbs, Ledger ledger, long pauseMillis) {
        this.dbs = dbs;
        this.ledger = ledger;
        this.pauseMillis = pauseMillis;
    }

    static Customer randomCustomer(String email) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new Customer(email, "First" + r.nextInt(1000), "Last" + r.nextInt(1000), r.nextInt(5) == 0 ? null : "+1 555 " + r.nextInt(10000),
                ShopAndErp.money(BigDecimal.valueOf(r.nextInt(1_000_000), 2)));
    }

    static String freshEmail(Side side) {
        return side.name().toLowerCase(java.util.Locale.ROOT) + EMAILS.incrementAndGet() + "@example.com";
    }

    RandomWriters start() {
        for (Side side : Side.values()) {
            Thread t = Thread.ofPlatform().name("writer-" + side).daemon().start(() -> loop(side));
            threads.add(t);
        }
        return this;
    }

    private void loop(Side side) {
        try (Connection c = dbs.db(side).connect()) {
            while (running.get()) {
                gate.readLock().lock();
                try {
                    writeOnce(c, side);
                } catch (SQLException e) {
                    // A deadlock or lock timeout against twoway's own writes rolls the statement back: nothing
                    // committed, nothing recorded, as a real application would retry later. Anything else fails the scenario.
                    if (!rolledBackByContention(e)) throw e;
                    contended.incrementAndGet();
                } finally {
                    gate.readLock().unlock();
                }
                Thread.sleep(pauseMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private void writeOnce(Connection c, Side side) throws SQLException {
        int dice = ThreadLocalRandom.current().nextInt(100);
        String email = ledger.randomLive();
        if (dice < 35 || email == null) {
            Customer cu = randomCustomer(freshEmail(side));
            dbs.seed(side, List.of(cu));
            ledger.inserted(side, cu);
        } else if (dice < 90) {
            String field = ShopAndErp.FIELDS.get(ThreadLocalRandom.current().nextInt(ShopAndErp.FIELDS.size()));
            Object value = randomCustomer(email).field(field);
            if (field.equals("first_name") || field.equals("last_name")) value = value + "-" + side.name().charAt(0);
            String sql = "UPDATE %s SET %s = ? WHERE %s = ?".formatted(ShopAndErp.table(side), ShopAndErp.column(side, field), ShopAndErp.column(side, "email"));
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (field.equals("credit_limit")) ps.setBigDecimal(1, new BigDecimal((String) value));
                else ps.setString(1, (String) value);
                ps.setString(2, email);
                // Recorded under the ledger's lock order: the ledger's view of "last written" follows commit order per side.
                if (ps.executeUpdate() > 0) ledger.updated(side, email, field, value);
            }
        } else {
            String sql = "DELETE FROM %s WHERE %s = ?".formatted(ShopAndErp.table(side), ShopAndErp.column(side, "email"));
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, email);
                if (ps.executeUpdate() > 0) ledger.deleted(email);
            }
        }
    }

    private static boolean rolledBackByContention(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.startsWith("40") || e.getErrorCode() == 1205 || e.getErrorCode() == 1213;
    }

    /** Waits for the writes in flight and holds every writer until {@link #resume()}, called by the same thread. */
    void pause() {
        gate.writeLock().lock();
    }

    void resume() {
        gate.writeLock().unlock();
    }

    @Override
    public void close() throws InterruptedException {
        if (gate.isWriteLockedByCurrentThread()) gate.writeLock().unlock();
        running.set(false);
        for (Thread t : threads) t.join(30_000);
        if (contended.get() > 0) System.out.println("writers: " + contended.get() + " writes rolled back by a deadlock or lock timeout (not counted as written)");
        if (failure.get() != null) throw new AssertionError("a writer failed: " + failure.get(), failure.get());
    }
}
