package mrtally;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.SplittableCompressionCodec;
import org.apache.hadoop.mapred.FileInputFormat;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.InputSplit;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.JobConfigurable;
import org.apache.hadoop.mapred.RecordReader;
import org.apache.hadoop.mapred.Reporter;

/**
 * Text lines (split and decompressed as TextInputFormat does) whose bytes survive a trip through
 * Java strings: each byte of a line becomes the char of the same number (ISO-8859-1), so
 * PySpark hands Python the line as a str that {@code .encode('latin-1')} turns back into the
 * exact bytes, whether or not they were UTF-8. The line is the key, as mrjob's Spark harness
 * expects of a Hadoop input format; the value is empty. Subclasses may join lines into blocks
 * ({@link #blockBytes}).
 */
public class ByteLineInputFormat extends FileInputFormat<Text, Text> implements JobConfigurable {

  private CompressionCodecFactory codecs;

  @Override
  public void configure(JobConf conf) {
    codecs = new CompressionCodecFactory(conf);
  }

  @Override
  protected boolean isSplitable(FileSystem fs, Path file) {
    CompressionCodec codec = codecs.getCodec(file);
    return codec == null || codec instanceof SplittableCompressionCodec;
  }

  /**
   * Bytes of lines that one record holds at least, before its last line: past 0, a record is a
   * block of whole lines joined by newlines (its last line without one), for a mapper that reads
   * them in bulk. A line a record here.
   */
  protected int blockBytes() {
    return 0;
  }

  /** What goes before each record of a split (as chars that are bytes); nothing here. */
  protected String linePrefix(FileSplit split) {
    return "";
  }

  @Override
  public RecordReader<Text, Text> getRecordReader(InputSplit split, JobConf job, Reporter reporter)
      throws IOException {
    reporter.setStatus(split.toString());
    final String prefix = linePrefix((FileSplit) split);
    final int most = blockBytes();
    return new LineReader<Text, Text>(job, (FileSplit) split, null) {
      private final Text block = new Text();

      public boolean next(Text key, Text value) throws IOException {
        if (nextBlock(block, most) < 0) {
          return false;
        }
        key.set(prefix
            + new String(block.getBytes(), 0, block.getLength(), StandardCharsets.ISO_8859_1));
        value.clear();
        return true;
      }

      public Text createKey() {
        return new Text();
      }

      public Text createValue() {
        return new Text();
      }
    };
  }
}
