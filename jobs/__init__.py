"""mrtally: Hadoop Streaming jobs (mrjob) that count Wikipedia pageviews and the words of Congress."""
