package mrtally;

/** {@link FileByteLineInputFormat}'s lines in blocks, as {@link ByteBlockInputFormat} has them. */
public class FileByteBlockInputFormat extends FileByteLineInputFormat {

  @Override
  protected int blockBytes() {
    return LineBlockInputFormat.BLOCK_BYTES;
  }
}
