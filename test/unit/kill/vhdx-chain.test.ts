import { killSuite } from './kill-suite';
import { VHDX_CHAIN_ROWS } from './rows-vhdx-chain';

killSuite('compact and set-parent of a VHDX child, killed', VHDX_CHAIN_ROWS);
