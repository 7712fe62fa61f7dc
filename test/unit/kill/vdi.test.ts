import { killSuite } from './kill-suite';
import { VDI_ROWS } from './rows-vdi';

killSuite('compact of a VDI, killed', VDI_ROWS);
