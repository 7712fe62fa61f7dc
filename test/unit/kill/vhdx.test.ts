import { killSuite } from './kill-suite';
import { VHDX_ROWS } from './rows-vhdx';

killSuite('compact, resize and check --repair of a VHDX, killed', VHDX_ROWS);
