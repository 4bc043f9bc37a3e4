package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.StateFile.ClockAnchor;
import dev.tablease.store.StateFile.Contents;
import dev.tablease.store.StoreCorruptException.Problem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * The kernel's state in one JSON file shared by every process of one machine (see {@code docs/store.md}).
 *
 * <p>Each {@link #apply} is one transition under one lock: take this process's lock for the file, then
 * the OS lock ({@link FileChannel#lock()} on {@code <file>.lock}, released by the OS if the process dies);
 * read and validate the file; restore the kernel; read the clocks and compute {@code now}; apply the
 * input through a {@link SharedLeaseKernel} (a {@code Tick} first when something is due); keep the
 * current file as {@code <file>.prev} (a hard link); write the new state to {@code <file>.tmp}, fsync it,
 * rename it over the file atomically, fsync the directory; unlock. The caller's input function runs
 * under the lock and must do no Chrome or network I/O; the decisions are carried out after
 * {@code apply} returns.
 *
 * <p>A file this store cannot read is never overwritten: every transition fails with a
 * {@link StoreCorruptException} until the file is recovered ({@link #recover}). A file created with
 * another config is refused ({@link StoreConfigMismatchException}) unless opened with
 * {@link #openExisting}, which adopts the file's config.
 *
 * <p>Time: {@code now} follows the machine's boot clock from an anchor kept in the file, so a jump of
 * the wall clock does not move it; the wall clock only sets the time line when the file is created and
 * after a reboot, and {@code now} never goes below the last accepted {@code now}. See {@link #nowFor}.
 *
 * <p>Thread-safe; any number of instances, in any number of processes, may share one file.
 */
public final class FileKernelStore implements KernelStore {

    /**
     * How a store writes and keeps time.
     *
     * @param fsync     force the new state to disk before the rename, and the directory after it (the
     *                  default). {@code false} keeps every guarantee against a crash of a process (the
     *                  rename is still atomic), none against a crash of the machine: for benchmarks and
     *                  tests only
     * @param bootClock the machine-wide clock that advances the time line ({@link BootClock#system()})
     */
    public record Options(boolean fsync, BootClock bootClock) {
        /**
         * Creates the options.
         *
         * @param fsync     force the new state to disk before the rename (and the directory after it)
         * @param bootClock the machine-wide clock that advances the time line
         */
        public Options {
            Objects.requireNonNull(bootClock, "bootClock");
        }

        /**
         * The defaults.
         *
         * @return fsync on, the system's boot clock
         */
        public static Options defaults() {
            return new Options(true, BootClock.system());
        }

        /**
         * Returns a copy with another {@code fsync}.
         *
         * @param on whether to force every new state to disk
         * @return the new options
         */
        public Options withFsync(boolean on) {
            return new Options(on, bootClock);
        }

        /**
         * Returns a copy with another boot clock.
         *
         * @param clock the machine-wide clock that advances the time line
         * @return the new options
         */
        public Options withBootClock(BootClock clock) {
            return new Options(fsync, clock);
        }
    }

    /** What {@link #recover} did. */
    public record Recovery(Path stateFile, Path movedAside, Path restoredFrom, long counterGap) {
    }

    /**
     * Added by {@link #recover} to the next token, tab id and request id of the restored copy: the
     * transition lost with the bad file may have handed some out, and they must never be handed out twice.
     */
    public static final long RECOVERY_COUNTER_GAP = 1_000_000L;

    /** This process's lock per state file (the OS lock is per process; threads must queue here first). */
    private static final ConcurrentHashMap<Path, ReentrantLock> PROCESS_LOCKS = new ConcurrentHashMap<>();

    private static final DateTimeFormatter ASIDE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final StorePaths files;
    private final KernelConfig config;
    private final MillisClock clock;
    private final Options options;
    private final StateFile format = new StateFile();
    private volatile boolean closed;

    private FileKernelStore(StorePaths files, KernelConfig config, MillisClock clock, Options options) {
        this.files = files;
        this.config = config;
        this.clock = clock;
        this.options = options;
    }

    /**
     * {@link #open(Path, KernelConfig, MillisClock, Options)} with the system clock, fsync on.
     *
     * @param stateFile the state file
     * @param config    the kernel configuration; must be the file's when it exists
     * @return the store
     * @throws StoreConfigMismatchException when the file was created with another config
     * @throws StoreCorruptException        when the file cannot be read (it is left as it is)
     */
    public static FileKernelStore open(Path stateFile, KernelConfig config) {
        return open(stateFile, config, MillisClock.system(), Options.defaults());
    }

    /**
     * Opens the store kept in {@code stateFile}, creating the file (with an empty state) when neither it
     * nor its last good copy exists; the directory is created as needed.
     *
     * @param stateFile the state file
     * @param config    the kernel configuration; must be the file's when it exists
     * @param clock     the wall clock
     * @param options   fsync and boot clock
     * @return the store
     * @throws StoreConfigMismatchException when the file was created with another config
     * @throws StoreCorruptException        when the file cannot be read (it is left as it is)
     */
    public static FileKernelStore open(Path stateFile, KernelConfig config, MillisClock clock, Options options) {
        Objects.requireNonNull(config, "config");
        StorePaths files = StorePaths.of(stateFile);
        FileKernelStore store = new FileKernelStore(files, config, Objects.requireNonNull(clock, "clock"),
                Objects.requireNonNull(options, "options"));
        store.locked(() -> {
            if (Files.exists(files.state) || Files.exists(files.prev)) {
                store.requireSameConfig(store.format.read(files.state).config());
            } else {
                BootClock.Reading r = options.bootClock().read();
                ClockAnchor anchor = r == null ? null : new ClockAnchor(r.bootId(), r.millis(), Math.max(0, clock.millis()));
                store.replace(new Contents(config, anchor, KernelState.initial()), false);
            }
            return null;
        });
        return store;
    }

    /**
     * Opens an existing store and adopts the config recorded in its file.
     *
     * @param stateFile the state file
     * @param clock     the wall clock
     * @param options   fsync and boot clock
     * @return the store
     * @throws StoreCorruptException when the file is missing or cannot be read
     */
    public static FileKernelStore openExisting(Path stateFile, MillisClock clock, Options options) {
        StorePaths files = StorePaths.of(stateFile);
        Contents contents = lockedStatic(files, () -> new StateFile().read(files.state));
        return new FileKernelStore(files, contents.config(), Objects.requireNonNull(clock, "clock"),
                Objects.requireNonNull(options, "options"));
    }

    /** @return the state file */
    public Path file() {
        return files.state;
    }

    /** @return the last good copy, {@code <file>.prev} (the state before the last transition) */
    public Path previousFile() {
        return files.prev;
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input) {
        Objects.requireNonNull(input, "input");
        requireOpen();
        return locked(() -> {
            StateFile.Loaded loaded = format.load(files.state);
            Contents current = loaded.contents();
            requireSameConfig(current.config());
            LeaseKernel restored = loaded.kernel();
            BootClock.Reading reading = options.bootClock().read();
            long now = nowFor(current.clock(), reading, clock.millis(), restored.lastNow());
            SharedLeaseKernel kernel = new SharedLeaseKernel(restored);
            SharedLeaseKernel.Step step = kernel.apply(input.apply(now));
            KernelState next = kernel.snapshot();
            ClockAnchor anchor = reading == null ? null
                    : new ClockAnchor(reading.bootId(), reading.millis(), next.lastNow());
            replace(new Contents(config, anchor, next), true);
            return step;
        });
    }

    /**
     * The store's time rule. On the boot of the anchor, the time line advances by the boot clock:
     * {@code anchor.storeMillis + (reading.millis - anchor.bootMillis)}; the wall clock is ignored, so a
     * wall-clock jump changes nothing. With no anchor (no boot clock when the file was last written), on
     * another boot (a reboot: every driver process died with it), or with no boot clock now, the wall
     * clock sets it. Either way the result is never below {@code lastNow}: the kernel refuses time going
     * backwards, so a clock behind the file's time waits at {@code lastNow}.
     *
     * @param anchor     the file's clock anchor, or {@code null}
     * @param reading    the boot clock now, or {@code null} when there is none
     * @param wallMillis the wall clock now
     * @param lastNow    the largest {@code now} the kernel has seen
     * @return the {@code now} of the next transition
     */
    public static long nowFor(ClockAnchor anchor, BootClock.Reading reading, long wallMillis, long lastNow) {
        long t;
        if (anchor != null && reading != null && anchor.bootId().equals(reading.bootId())) {
            t = anchor.storeMillis() + Math.max(0, reading.millis() - anchor.bootMillis());
        } else {
            t = wallMillis;
        }
        return Math.max(Math.max(0, t), lastNow);
    }

    /** Reads the file without taking the lock: the rename makes every read see one whole state. */
    @Override
    public KernelState snapshot() {
        requireOpen();
        Contents c = format.read(files.state);
        requireSameConfig(c.config());
        return c.state();
    }

    @Override
    public KernelConfig config() {
        return config;
    }

    /** Marks this instance closed; the file and the lock file stay (no lock is held between transitions). */
    @Override
    public void close() {
        closed = true;
    }

    /**
     * Restores a state file that cannot be read from its last good copy ({@code <file>.prev}), under the
     * store's lock: the bad file is moved aside to {@code <file>.corrupt-<UTC time>} (kept, never
     * deleted), the last good copy is validated and written as the new state file, with its next token,
     * tab id and request id raised by {@link #RECOVERY_COUNTER_GAP}. The state is then the one before the
     * last transition: that transition's decisions are lost (a lost grant expires by its heartbeat
     * timeout; a tab it opened is unknown to the kernel and its {@code TabOpened} is refused).
     *
     * @param stateFile the state file that cannot be read
     * @param fsync     force the restored state to disk
     * @return what was restored and where the bad file went
     * @throws IllegalStateException when the state file is valid (nothing to recover)
     * @throws StoreCorruptException when the last good copy is missing or bad too (see docs/store.md)
     */
    public static Recovery recover(Path stateFile, boolean fsync) {
        StorePaths files = StorePaths.of(stateFile);
        return lockedStatic(files, () -> {
            StateFile format = new StateFile();
            if (Files.exists(files.state)) {
                try {
                    format.read(files.state);
                    throw new IllegalStateException(files.state + " is a valid state file: nothing to recover");
                } catch (StoreCorruptException expected) {
                    // the case recover is for
                }
            }
            Contents good = format.read(files.prev);
            KernelState s = good.state();
            KernelState bumped = new KernelState(s.lastNow(), s.nextToken() + RECOVERY_COUNTER_GAP,
                    s.nextTabId() + RECOVERY_COUNTER_GAP, s.nextRequestId() + RECOVERY_COUNTER_GAP, s.nextWaitSeq(),
                    s.tabs(), s.sessions());
            LeaseKernel.restore(good.config(), bumped);
            Path aside = null;
            if (Files.exists(files.state)) {
                aside = files.state.resolveSibling(files.state.getFileName() + ".corrupt-" + ASIDE_STAMP.format(Instant.now()));
                Files.move(files.state, aside, StandardCopyOption.ATOMIC_MOVE);
            }
            writeAtomically(files, format.encode(new Contents(good.config(), good.clock(), bumped)), false, fsync);
            return new Recovery(files.state, aside, files.prev, RECOVERY_COUNTER_GAP);
        });
    }

    // ---------------------------------------------------------------------------------------------

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("store " + files.state + " is closed");
        }
    }

    private void requireSameConfig(KernelConfig fileConfig) {
        if (!fileConfig.equals(config)) {
            throw new StoreConfigMismatchException(files.state, fileConfig, config);
        }
    }

    /** Replaces the state file; the caller holds the lock. */
    private void replace(Contents contents, boolean keepPrevious) throws IOException {
        writeAtomically(files, format.encode(contents), keepPrevious, options.fsync());
    }

    private static void writeAtomically(StorePaths files, byte[] bytes, boolean keepPrevious, boolean fsync) throws IOException {
        if (keepPrevious) {
            // the current file (validated by the caller) becomes the last good copy: a hard link, no copy
            Files.deleteIfExists(files.prevTmp);
            try {
                Files.createLink(files.prevTmp, files.state);
            } catch (UnsupportedOperationException | IOException noHardLinks) {
                // a file system without hard links: copy (the state file is never modified in place)
                Files.copy(files.state, files.prevTmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(files.prevTmp, files.prev, StandardCopyOption.ATOMIC_MOVE);
        }
        try (FileChannel ch = FileChannel.open(files.tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            if (fsync) {
                ch.force(true);
            }
        }
        Files.move(files.tmp, files.state, StandardCopyOption.ATOMIC_MOVE);
        if (fsync) {
            try (FileChannel dir = FileChannel.open(files.dir, StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException e) {
                throw new StoreIOException(files.state, "fsync of the directory " + files.dir, true, e);
            }
        }
    }

    private interface IoAction<T> {
        T run() throws IOException;
    }

    private <T> T locked(IoAction<T> action) {
        return lockedStatic(files, action);
    }

    /**
     * Runs {@code action} holding this process's lock for the file, then the OS lock on the lock file.
     * The lock file's channel is opened and closed here only, while this process's lock is held, so no
     * other channel of this process can release the OS lock by closing.
     */
    private static <T> T lockedStatic(StorePaths files, IoAction<T> action) {
        ReentrantLock processLock = PROCESS_LOCKS.computeIfAbsent(files.state, p -> new ReentrantLock(true));
        processLock.lock();
        try (FileChannel ch = FileChannel.open(files.lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return action.run();
        } catch (IOException e) {
            throw new StoreIOException(files.state, "I/O failed during a transition", false, e);
        } finally {
            processLock.unlock();
        }
    }

    /** The files of one store, by canonical path (the key of this process's lock). */
    private static final class StorePaths {
        final Path dir;
        final Path state;
        final Path lock;
        final Path prev;
        final Path tmp;
        final Path prevTmp;

        private StorePaths(Path dir, Path state) {
            this.dir = dir;
            this.state = state;
            String name = state.getFileName().toString();
            this.lock = dir.resolve(name + ".lock");
            this.prev = dir.resolve(name + ".prev");
            this.tmp = dir.resolve(name + ".tmp");
            this.prevTmp = dir.resolve(name + ".prev.tmp");
        }

        static StorePaths of(Path stateFile) {
            Objects.requireNonNull(stateFile, "stateFile");
            Path abs = stateFile.toAbsolutePath().normalize();
            Path name = abs.getFileName();
            if (name == null) {
                throw new IllegalArgumentException("not a file path: " + stateFile);
            }
            try {
                Path dir = Files.createDirectories(abs.getParent()).toRealPath();
                return new StorePaths(dir, dir.resolve(name.toString()));
            } catch (IOException e) {
                throw new StoreIOException(abs, "cannot create or resolve the directory", false, e);
            }
        }
    }
}
