package mrtally;

import java.nio.charset.StandardCharsets;

import org.apache.hadoop.mapred.FileSplit;

/**
 * {@link ByteLineInputFormat}, with each line led by the path of its file and a NUL (which no
 * path holds): for jobs that need to know the file a line came from, which mrjob's Spark
 * harness tells only through its own, lossy, text reading.
 */
public class FileByteLineInputFormat extends ByteLineInputFormat {

  @Override
  protected String linePrefix(FileSplit split) {
    byte[] path = split.getPath().toString().getBytes(StandardCharsets.UTF_8);
    return new String(path, StandardCharsets.ISO_8859_1) + "\u0000";
  }
}
