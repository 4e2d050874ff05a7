"""The AWS clients of the beacon and the consumer: one of each, made once."""
import sys

__all__ = ['clients', 'add_arguments', 'transient']


def add_arguments(parser):
    parser.add_argument('--endpoint-url', help='an AWS stand-in (default: AWS itself)')
    parser.add_argument('--region', help='the AWS region (default: AWS_DEFAULT_REGION or the config)')


def clients(opts, *services, what='ingest'):
    """boto3 clients on ``opts``' endpoint and region, retrying nothing
    themselves (the callers retry only what failed); a one-line exit if AWS
    is not configured."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import NoRegionError
    session = boto3.session.Session(region_name=opts.region)
    config = Config(retries={'mode': 'standard', 'total_max_attempts': 1}, connect_timeout=2,
                    read_timeout=10)
    try:
        return [session.client(s, endpoint_url=opts.endpoint_url, config=config) for s in services]
    except NoRegionError:
        sys.exit('%s: error: no AWS region: give --region or set AWS_DEFAULT_REGION' % what)


def transient(error):
    """Whether a failed call is worth making again: throttling, a server
    error, or the endpoint unreachable for a while."""
    from botocore.exceptions import (ClientError, ConnectionClosedError, EndpointConnectionError,
                                     ReadTimeoutError)
    if isinstance(error, ClientError):
        return error.response['Error']['Code'] in (
            'ProvisionedThroughputExceededException', 'LimitExceededException',
            'ThrottlingException', 'InternalFailure', 'ServiceUnavailable', 'KMSThrottlingException')
    return isinstance(error, (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError))
