import { killSuite } from './kill-suite';
import { CHAIN_ROWS } from './rows-chain';
import { REPAIR_ROWS } from './rows-repair';

killSuite('merge, set-parent and check --repair, killed', [...CHAIN_ROWS, ...REPAIR_ROWS]);
