export * from '../common/clock';
export * from './provider';
export * from './validator';
export * from './steps';
export * from './evidence';
export * from './run';
