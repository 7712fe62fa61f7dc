// merge, set-parent and check --repair failing at each write, flush, truncate and rename: one clean error that
// says the image was left as it was, and all three readers agree it was.
import { faultSuite, planIfRunnable } from './fault-suite';
import { CHAIN_AND_REPAIR } from './operations';

faultSuite('merge, set-parent and check --repair, failing', await planIfRunnable(CHAIN_AND_REPAIR));
