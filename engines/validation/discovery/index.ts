export { discoverTables, Discovery } from './tables';
export { TableSelection } from './filter';
export { describeColumns, DescribedColumn } from './column-hash';
