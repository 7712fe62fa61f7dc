import { killSuite } from './kill-suite';
import { COMPACT_ROWS } from './rows-compact';

killSuite('compact, killed', COMPACT_ROWS);
