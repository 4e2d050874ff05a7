"""Real-time pageviews: events through Amazon Kinesis into hourly dump files."""
