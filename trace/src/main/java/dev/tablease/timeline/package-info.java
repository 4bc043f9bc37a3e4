/**
 * A picture of a run: {@link dev.tablease.timeline.Timeline} turns a trace (see
 * {@code docs/trace-format.md}) into one self-contained HTML page with an inline SVG timeline, a row
 * per tab and a lane of waiting requests per key.
 *
 * <p>Inside: {@code ModelBuilder} walks the steps and builds the model (what happened to each tab, lease
 * and request, when); {@code SvgRenderer} and {@code HtmlPage} draw it; {@code MissingDecisions} replays
 * a trace that records inputs only.
 */
package dev.tablease.timeline;
