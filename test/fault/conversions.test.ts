// Conversions failing at each write, flush, truncate and rename: one clean error, no output, the source unchanged.
import { faultSuite, planIfRunnable } from './fault-suite';
import { CONVERSIONS } from './operations';

faultSuite('conversions, failing', await planIfRunnable(CONVERSIONS));
