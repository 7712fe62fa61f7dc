import { killSuite } from './kill-suite';
import { VHDX_CHAIN_ROWS } from './rows-vhdx-chain';

killSuite('set-parent of a VHDX, killed', VHDX_CHAIN_ROWS);
