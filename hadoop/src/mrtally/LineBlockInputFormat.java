package mrtally;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.InputSplit;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.RecordReader;
import org.apache.hadoop.mapred.Reporter;
import org.apache.hadoop.mapred.TextInputFormat;

/**
 * The lines of {@link TextInputFormat} (the same splits, decompression and line ends), handed
 * to a streaming mapper a block at a time: each record's value is up to about 4 MB of whole
 * lines joined by newlines, and Hadoop Streaming writes it with a newline after it, so the
 * mapper reads the very bytes it would read a line a record. A record a line costs Streaming's
 * Java side about as much as the Python mapper's whole work on it. Use with
 * {@code stream.map.input.ignoreKey=true}: the key is the offset of the block's first line.
 */
public class LineBlockInputFormat extends TextInputFormat {

  static final int BLOCK_BYTES = 4 << 20;

  @Override
  public RecordReader<LongWritable, Text> getRecordReader(InputSplit split, JobConf job,
      Reporter reporter) throws IOException {
    reporter.setStatus(split.toString());
    // as TextInputFormat makes its reader
    String delimiter = job.get("textinputformat.record.delimiter");
    return new LineReader<LongWritable, Text>(job, (FileSplit) split,
        delimiter == null ? null : delimiter.getBytes(StandardCharsets.UTF_8)) {
      public boolean next(LongWritable key, Text value) throws IOException {
        long first = nextBlock(value, BLOCK_BYTES);
        if (first < 0) {
          return false;
        }
        key.set(first);
        return true;
      }

      public LongWritable createKey() {
        return new LongWritable();
      }

      public Text createValue() {
        return new Text();
      }
    };
  }
}
