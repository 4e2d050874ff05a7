package mrtally;

import java.io.IOException;

import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.LineRecordReader;
import org.apache.hadoop.mapred.RecordReader;

/**
 * A record reader over the lines of a split as {@link LineRecordReader} reads them, which
 * subclasses make into records of their own: its position, progress and closing are the lines'.
 */
abstract class LineReader<K, V> implements RecordReader<K, V> {

  private static final byte[] NEWLINE = {'\n'};

  protected final LineRecordReader lines;
  private final LongWritable offset;
  private final Text line;

  LineReader(JobConf job, FileSplit split, byte[] delimiter) throws IOException {
    lines = new LineRecordReader(job, split, delimiter);
    offset = lines.createKey();
    line = lines.createValue();
  }

  /**
   * Read the next lines into {@code block}, joined by newlines (the last without one): one line,
   * then more while the block holds fewer than {@code most} bytes. Returns the offset of its
   * first line, or -1 at the end of the split.
   */
  protected long nextBlock(Text block, int most) throws IOException {
    if (!lines.next(offset, line)) {
      return -1;
    }
    long first = offset.get();
    block.set(line);
    while (block.getLength() < most && lines.next(offset, line)) {
      block.append(NEWLINE, 0, 1);
      block.append(line.getBytes(), 0, line.getLength());
    }
    return first;
  }

  public long getPos() throws IOException {
    return lines.getPos();
  }

  public float getProgress() throws IOException {
    return lines.getProgress();
  }

  public void close() throws IOException {
    lines.close();
  }
}
