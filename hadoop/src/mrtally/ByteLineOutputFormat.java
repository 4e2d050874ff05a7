package mrtally;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.GzipCodec;
import org.apache.hadoop.mapred.FileOutputFormat;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.RecordWriter;
import org.apache.hadoop.mapred.Reporter;
import org.apache.hadoop.util.Progressable;
import org.apache.hadoop.util.ReflectionUtils;

/**
 * The other half of {@link ByteLineInputFormat}: writes {@code key<TAB>value} lines whose chars
 * are bytes (ISO-8859-1), so that what Python wrote as bytes lands in the file unchanged.
 */
public class ByteLineOutputFormat extends FileOutputFormat<Text, Text> {

  @Override
  public RecordWriter<Text, Text> getRecordWriter(FileSystem ignored, JobConf job, String name,
      Progressable progress) throws IOException {
    Path file = FileOutputFormat.getTaskOutputPath(job, name);
    final DataOutputStream out;
    if (getCompressOutput(job)) {
      Class<? extends CompressionCodec> codecClass = getOutputCompressorClass(job, GzipCodec.class);
      CompressionCodec codec = ReflectionUtils.newInstance(codecClass, job);
      file = file.suffix(codec.getDefaultExtension());
      FSDataOutputStream raw = file.getFileSystem(job).create(file, progress);
      out = new DataOutputStream(codec.createOutputStream(raw));
    } else {
      out = file.getFileSystem(job).create(file, progress);
    }
    return new RecordWriter<Text, Text>() {
      public void write(Text key, Text value) throws IOException {
        if (key.getLength() == 0 && (value == null || value.getLength() == 0)) {
          // PySpark cannot save a result without records (it looks at the first one), so a
          // job with nothing to write sends this empty record instead (see jobs/tally.py)
          return;
        }
        out.write(key.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (value != null && value.getLength() > 0) {
          out.write('\t');
          out.write(value.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        out.write('\n');
      }

      public void close(Reporter reporter) throws IOException {
        out.close();
      }
    };
  }
}
