package mrtally;

import java.io.IOException;

import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.LineRecordReader;
import org.apache.hadoop.mapred.RecordReader;

/**
 * A record reader over the lines of a split as {@link LineRecordReader} reads them, which
 * subclasses make into records of their own: its position, progress and closing are the lines'.
 */
abstract class LineReader<K, V> implements RecordReader<K, V> {

  protected final LineRecordReader lines;

  LineReader(JobConf job, FileSplit split, byte[] delimiter) throws IOException {
    lines = new LineRecordReader(job, split, delimiter);
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
