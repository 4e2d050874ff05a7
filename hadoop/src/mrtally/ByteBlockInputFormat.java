package mrtally;

/**
 * {@link ByteLineInputFormat}'s lines, about 4 MB of them a record (as {@link
 * LineBlockInputFormat} gives Hadoop Streaming), for a Spark mapper that counts them in bulk:
 * a record a line costs PySpark and mrjob's harness more than the count of the line.
 */
public class ByteBlockInputFormat extends ByteLineInputFormat {

  @Override
  protected int blockBytes() {
    return LineBlockInputFormat.BLOCK_BYTES;
  }
}
