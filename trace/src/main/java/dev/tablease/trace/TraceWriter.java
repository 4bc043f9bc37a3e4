package dev.tablease.trace;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * Writes a trace in JSON Lines: the {@link TraceHeader} on construction, then one {@link TraceStep} per
 * call, numbered from 1. Lines end with {@code \n} on every platform, so the same steps give the same
 * bytes. Not thread-safe.
 */
public final class TraceWriter implements Closeable, Flushable {

    private final Writer out;
    private final TraceCodec codec;
    private long seq;

    /**
     * Writes the header of a trace recorded under {@code config}.
     *
     * @param out    where the trace goes
     * @param config the kernel configuration of the run
     * @throws IOException when {@code out} cannot be written
     */
    public TraceWriter(Writer out, KernelConfig config) throws IOException {
        this(out, config, new TraceCodec());
    }

    /**
     * As {@link #TraceWriter(Writer, KernelConfig)}, sharing a codec.
     *
     * @param out    where the trace goes
     * @param config the kernel configuration of the run
     * @param codec  the codec to share
     * @throws IOException when {@code out} cannot be written
     */
    public TraceWriter(Writer out, KernelConfig config, TraceCodec codec) throws IOException {
        this.out = out;
        this.codec = codec;
        line(TraceHeader.of(config));
    }

    /**
     * Writes the next step: {@code input} and the decisions the kernel made for it.
     *
     * @param input     the input applied
     * @param decisions the decisions the kernel made for it
     * @throws IOException when the step cannot be written
     */
    public void write(Input input, List<Decision> decisions) throws IOException {
        line(new TraceStep(++seq, input, decisions));
    }

    /**
     * Writes the next step without decisions (an input-only trace, for a replay to fill in).
     *
     * @param input the input applied
     * @throws IOException when the step cannot be written
     */
    public void writeInput(Input input) throws IOException {
        line(new TraceStep(++seq, input, null));
    }

    /** @return how many steps were written */
    public long steps() {
        return seq;
    }

    private void line(Object value) throws IOException {
        out.write(codec.toJson(value));
        out.write('\n');
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
