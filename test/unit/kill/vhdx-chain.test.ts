import { killSuite } from './kill-suite';
import { VHDX_CHAIN_ROWS } from './rows-vhdx-chain';

killSuite('compact, set-parent, resize and merge of a differencing VHDX, killed', VHDX_CHAIN_ROWS);
