// compact and resize failing at each write, flush, truncate and rename: one clean error that says the image was
// left as it was, and all three readers agree it was.
import { faultSuite, planIfRunnable } from './fault-suite';
import { COMPACT_AND_RESIZE } from './operations';

faultSuite('compact and resize, failing', await planIfRunnable(COMPACT_AND_RESIZE));
